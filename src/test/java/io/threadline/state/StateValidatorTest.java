package io.threadline.state;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.Test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class StateValidatorTest {

    /** A real Hibernate Validator outside a container, as LocalDemo.plainValidator() builds it. */
    private static final Validator VALIDATOR = Validation.byDefaultProvider().configure()
            .messageInterpolator(new ParameterMessageInterpolator())
            .buildValidatorFactory().getValidator();

    public record Msg(
            @NotBlank @Pattern(regexp = "user|assistant") String role,
            @NotNull @Size(max = 10) String content) {}

    public record Conv(
            @NotNull @Size(max = 6) List<@NotNull @Valid Msg> messages,
            @Size(max = 8) String task,
            @NotNull Map<String, @NotNull @Size(max = 4) String> outputs,
            @PositiveOrZero @Max(3) int retries,
            Map<String, @Valid Msg> byId,
            @Valid Msg pinned) {
        public static final ListChannel<Conv, Msg> MESSAGES = Channel.appending("messages");
        public static final ValueChannel<Conv, String> TASK = Channel.overwriting("task");
        public static final MapChannel<Conv, String> OUTPUTS = Channel.merging("outputs");
        public static final ValueChannel<Conv, Integer> RETRIES = Channel.overwriting("retries");
        public static final MapChannel<Conv, Msg> BY_ID = Channel.merging("byId");
        public static final ValueChannel<Conv, Msg> PINNED = Channel.overwriting("pinned");
    }

    /** A class-level constraint: sees the whole state. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @Constraint(validatedBy = OrderedValidator.class)
    public @interface Ordered {
        String message() default "low must not exceed high";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    public static final class OrderedValidator implements ConstraintValidator<Ordered, Range> {
        @Override
        public boolean isValid(Range range, ConstraintValidatorContext context) {
            return range == null || range.low() <= range.high();
        }
    }

    @Ordered
    public record Range(@Max(100) int low, int high, List<@Valid Msg> notes) {
        public static final ValueChannel<Range, Integer> LOW = Channel.overwriting("low");
        public static final ValueChannel<Range, Integer> HIGH = Channel.overwriting("high");
        public static final ListChannel<Range, Msg> NOTES = Channel.appending("notes");
    }

    /** A whole-state rule written as an @AssertTrue getter: Hibernate Validator sees a property "ordered". */
    public record Window(int low, int high) {
        public static final ValueChannel<Window, Integer> LOW = Channel.overwriting("low");

        @AssertTrue(message = "low must not exceed high")
        public boolean isOrdered() {
            return low <= high;
        }
    }

    public record Maybe(Optional<@Valid Msg> pinned) {
        public static final ValueChannel<Maybe, Optional<Msg>> PINNED = Channel.overwriting("pinned");
    }

    /** Lists whose own constraints no append can break: only the appended items need checking. */
    public record Tagged(@NotNull List<@NotBlank @Size(max = 5) String> labels, @NotNull List<@Valid Msg> log) {
        public static final ListChannel<Tagged, String> LABELS = Channel.appending("labels");
        public static final ListChannel<Tagged, Msg> LOG = Channel.appending("log");
    }

    private static final StateSchema<Tagged> TAGGED = StateSchema.of(Tagged.class);
    private static final StateValidator<Tagged> TAGGED_CHECKER = new StateValidator<>(TAGGED, VALIDATOR);

    private static final StateSchema<Conv> SCHEMA = StateSchema.of(Conv.class);
    private static final StateValidator<Conv> CHECKER = new StateValidator<>(SCHEMA, VALIDATOR);

    private static final Msg OK = new Msg("user", "hi");
    private static final Msg BLANK_ROLE = new Msg(" ", "hi");
    private static final Msg LONG_CONTENT = new Msg("assistant", "01234567890");

    private static Conv conv(List<Msg> messages) {
        return new Conv(messages, null, Map.of(), 0, Map.of(), null);
    }

    private static Violation v(String path, String message) {
        return new Violation(path, message);
    }

    @SafeVarargs
    private static <S> List<FieldUpdate<S>> updates(FieldUpdate<S>... updates) {
        return List.of(updates);
    }

    // ---- validateAll ----

    @Test
    void validateAllOfAValidStateIsEmpty() {
        assertThat(CHECKER.validateAll(new Conv(List.of(OK), "task", Map.of("k", "v"), 3, Map.of("m", OK), OK))).isEmpty();
    }

    @Test
    void validateAllReportsEveryViolationWithPathAndMessageSorted() {
        Conv bad = new Conv(
                Arrays.asList(OK, BLANK_ROLE, null, LONG_CONTENT, OK, OK, OK),
                "far too long",
                Map.of("k", "12345"),
                4,
                Map.of("id", new Msg("bot", null)),
                new Msg("user", null));

        assertThat(CHECKER.validateAll(bad)).containsExactly(
                v("byId[id].content", "must not be null"),
                v("byId[id].role", "must match \"user|assistant\""),
                v("messages", "size must be between 0 and 6"),
                v("messages[1].role", "must match \"user|assistant\""),
                v("messages[1].role", "must not be blank"),
                v("messages[2].<list element>", "must not be null"),
                v("messages[3].content", "size must be between 0 and 10"),
                v("outputs[k].<map value>", "size must be between 0 and 4"),
                v("pinned.content", "must not be null"),
                v("retries", "must be less than or equal to 3"),
                v("task", "size must be between 0 and 8"));
    }

    @Test
    void violationsOnOnePathAreOrderedByMessage() {
        List<Violation> violations = CHECKER.validateAll(conv(List.of(new Msg("", "x"))));

        assertThat(violations).containsExactly(
                v("messages[0].role", "must match \"user|assistant\""),
                v("messages[0].role", "must not be blank"));
    }

    // ---- validateChanges ----

    @Test
    void validateChangesOfNoChangeIsEmpty() {
        Conv invalid = conv(List.of(BLANK_ROLE));

        assertThat(CHECKER.validateChanges(SCHEMA.apply(invalid, List.of()))).isEmpty();
    }

    @Test
    void appendedInvalidItemIsReportedAtItsAbsoluteIndex() {
        Conv before = conv(List.of(OK, OK, OK));

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.MESSAGES.append(LONG_CONTENT)));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("messages[3].content", "size must be between 0 and 10"));
    }

    @Test
    void severalAppendsInOneStepAreEachReportedAtTheirIndex() {
        Conv before = conv(List.of(OK, OK));

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(
                Conv.MESSAGES.append(OK, LONG_CONTENT), Conv.MESSAGES.append(new Msg("user", null))));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(
                v("messages[3].content", "size must be between 0 and 10"),
                v("messages[4].content", "must not be null"));
    }

    @Test
    void appendedNullItemBreaksTheListElementConstraint() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of(OK)), updates(Conv.MESSAGES.append((Msg) null)));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("messages[1].<list element>", "must not be null"));
    }

    @Test
    void appendBeyondTheListSizeLimitIsReportedOnTheField() {
        Conv before = conv(List.of(OK, OK, OK, OK, OK, OK));

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.MESSAGES.append(OK)));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("messages", "size must be between 0 and 6"));
    }

    @Test
    void preExistingInvalidItemIsNotReportedByValidateChangesButIsByValidateAll() {
        Conv before = conv(List.of(OK, LONG_CONTENT));

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.MESSAGES.append(OK)));

        assertThat(CHECKER.validateChanges(applied)).isEmpty();
        assertThat(CHECKER.validateAll(applied.state()))
                .containsExactly(v("messages[1].content", "size must be between 0 and 10"));
    }

    @Test
    void unchangedInvalidFieldIsNotReportedByValidateChanges() {
        Conv before = new Conv(List.of(), "much too long a task", Map.of(), 0, Map.of(), null);

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.RETRIES.set(1)));

        assertThat(CHECKER.validateChanges(applied)).isEmpty();
        assertThat(CHECKER.validateAll(applied.state())).containsExactly(v("task", "size must be between 0 and 8"));
    }

    @Test
    void changedPlainFieldWithSizeViolationIsReported() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of()), updates(Conv.TASK.set("nine char")));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("task", "size must be between 0 and 8"));
    }

    @Test
    void changedPlainFieldWithMaxViolationIsReported() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of()), updates(Conv.RETRIES.set(4)));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("retries", "must be less than or equal to 3"));
    }

    @Test
    void changedPlainFieldWithSeveralViolationsReportsAll() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of()), updates(Conv.RETRIES.set(-1), Conv.TASK.set("123456789")));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(
                v("retries", "must be greater than or equal to 0"),
                v("task", "size must be between 0 and 8"));
    }

    @Test
    void mergePutOfAnInvalidPlainValueIsReportedUnderItsKey() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of()), updates(Conv.OUTPUTS.put("search", "12345")));

        // Hibernate Validator names a map value's container-element violation "<field>[<key>].<map value>".
        assertThat(CHECKER.validateChanges(applied))
                .containsExactly(v("outputs[search].<map value>", "size must be between 0 and 4"));
    }

    @Test
    void mergePutOfAnInvalidCascadedValueIsReportedUnderItsKey() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of()),
                updates(Conv.BY_ID.put("ok", OK), Conv.BY_ID.put("m-1", new Msg("user", null))));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("byId[m-1].content", "must not be null"));
    }

    @Test
    void mergePutNextToAPreExistingInvalidEntryReportsOnlyTheNewEntry() {
        Conv before = new Conv(List.of(), null, Map.of(), 0, Map.of("old", BLANK_ROLE), null);

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.BY_ID.put("new", LONG_CONTENT)));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("byId[new].content", "size must be between 0 and 10"));
        assertThat(CHECKER.validateAll(applied.state())).extracting(Violation::path)
                .containsExactly("byId[new].content", "byId[old].role", "byId[old].role");
    }

    @Test
    void replacedListIsCascadedIntoEveryItem() {
        Conv before = conv(List.of(OK));

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.MESSAGES.replace(List.of(OK, LONG_CONTENT))));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("messages[1].content", "size must be between 0 and 10"));
    }

    @Test
    void appendToANullListIsCascadedFromIndexZero() {
        Conv before = conv(null);

        AppliedUpdate<Conv> applied = SCHEMA.apply(before, updates(Conv.MESSAGES.append(LONG_CONTENT, OK)));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("messages[0].content", "size must be between 0 and 10"));
    }

    @Test
    void replacedCascadedBeanIsValidated() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of()), updates(Conv.PINNED.set(new Msg("user", null))));

        assertThat(CHECKER.validateChanges(applied)).containsExactly(v("pinned.content", "must not be null"));
    }

    @Test
    void validChangesReportNothing() {
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(List.of(OK)), updates(
                Conv.MESSAGES.append(OK), Conv.TASK.set("ok"), Conv.OUTPUTS.put("k", "v"), Conv.RETRIES.set(3),
                Conv.BY_ID.put("m", OK), Conv.PINNED.set(OK)));

        assertThat(CHECKER.validateChanges(applied)).isEmpty();
    }

    @Test
    void appendedInvalidElementOfAnUnboundedListIsReportedAtItsAbsoluteIndex() {
        Tagged before = new Tagged(List.of("a", "b", "c"), List.of());

        AppliedUpdate<Tagged> applied = TAGGED.apply(before, updates(Tagged.LABELS.append("ok", "toolong"),
                Tagged.LABELS.append(" ")));

        assertThat(TAGGED_CHECKER.validateChanges(applied)).containsExactly(
                v("labels[4].<list element>", "size must be between 0 and 5"),
                v("labels[5].<list element>", "must not be blank"));
        assertThat(TAGGED_CHECKER.validateChanges(applied)).isEqualTo(TAGGED_CHECKER.validateAll(applied.state()));
    }

    @Test
    void preExistingInvalidElementOfAnUnboundedListIsNotReportedOnAppend() {
        Tagged before = new Tagged(List.of("toolong", "b"), List.of(BLANK_ROLE));

        AppliedUpdate<Tagged> applied = TAGGED.apply(before, updates(Tagged.LABELS.append("c"), Tagged.LOG.append(OK)));

        assertThat(TAGGED_CHECKER.validateChanges(applied)).isEmpty();
        assertThat(TAGGED_CHECKER.validateAll(applied.state())).extracting(Violation::path)
                .containsExactly("labels[0].<list element>", "log[0].role", "log[0].role");
    }

    @Test
    void appendedInvalidCascadedItemOfAnUnboundedListIsReportedAtItsAbsoluteIndex() {
        Tagged before = new Tagged(List.of(), List.of(OK, OK));

        AppliedUpdate<Tagged> applied = TAGGED.apply(before, updates(Tagged.LOG.append(OK, new Msg("user", null))));

        assertThat(TAGGED_CHECKER.validateChanges(applied)).containsExactly(v("log[3].content", "must not be null"));
    }

    @Test
    void replacingAnUnboundedListChecksEveryElement() {
        Tagged before = new Tagged(List.of("a"), List.of());

        AppliedUpdate<Tagged> applied = TAGGED.apply(before, updates(Tagged.LABELS.replace(List.of("toolong", "", "ok"))));

        assertThat(TAGGED_CHECKER.validateChanges(applied)).containsExactly(
                v("labels[0].<list element>", "size must be between 0 and 5"),
                v("labels[1].<list element>", "must not be blank"));
    }

    // ---- class-level constraints ----

    @Test
    void classLevelConstraintIsCheckedOnChanges() {
        StateSchema<Range> schema = StateSchema.of(Range.class);
        StateValidator<Range> checker = new StateValidator<>(schema, VALIDATOR);

        AppliedUpdate<Range> applied = schema.apply(new Range(1, 5, List.of()), updates(Range.LOW.set(9)));

        assertThat(checker.validateChanges(applied)).containsExactly(v("", "low must not exceed high"));
    }

    @Test
    void stateTypeWithClassLevelConstraintIsValidatedInFullOnChanges() {
        StateSchema<Range> schema = StateSchema.of(Range.class);
        StateValidator<Range> checker = new StateValidator<>(schema, VALIDATOR);
        Range before = new Range(1, 5, List.of(BLANK_ROLE));

        AppliedUpdate<Range> applied = schema.apply(before, updates(Range.HIGH.set(6)));

        // Only 'high' changed, yet the pre-existing invalid note is reported: full validation.
        assertThat(checker.validateChanges(applied)).containsExactly(
                v("notes[0].role", "must match \"user|assistant\""),
                v("notes[0].role", "must not be blank"));
        assertThat(checker.validateChanges(applied)).isEqualTo(checker.validateAll(applied.state()));
    }

    @Test
    void assertTrueGetterIsReportedByValidateAllAsAProperty() {
        StateValidator<Window> checker = new StateValidator<>(StateSchema.of(Window.class), VALIDATOR);

        assertThat(checker.validateAll(new Window(5, 1))).containsExactly(v("ordered", "low must not exceed high"));
    }

    @Test
    void assertTrueGetterIsCheckedOnChanges() {
        StateSchema<Window> schema = StateSchema.of(Window.class);
        StateValidator<Window> checker = new StateValidator<>(schema, VALIDATOR);

        AppliedUpdate<Window> applied = schema.apply(new Window(0, 1), updates(Window.LOW.set(5)));

        assertThat(checker.validateChanges(applied)).containsExactly(v("ordered", "low must not exceed high"));
    }

    @Test
    void changedOptionalOfCascadedBeanIsValidated() {
        StateSchema<Maybe> schema = StateSchema.of(Maybe.class);
        StateValidator<Maybe> checker = new StateValidator<>(schema, VALIDATOR);

        AppliedUpdate<Maybe> applied = schema.apply(new Maybe(Optional.empty()),
                updates(Maybe.PINNED.set(Optional.of(new Msg("user", null)))));

        assertThat(checker.validateAll(applied.state())).containsExactly(v("pinned.content", "must not be null"));
        assertThat(checker.validateChanges(applied)).containsExactly(v("pinned.content", "must not be null"));
    }

    // ---- check ----

    @Test
    void checkThrowsValidationFailedListingEveryViolation() {
        List<Violation> violations = CHECKER.validateAll(
                new Conv(List.of(LONG_CONTENT), null, Map.of(), 9, Map.of(), null));

        ThreadlineException e = catchThrowableOfType(ThreadlineException.class, () -> CHECKER.check(violations));

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.code().httpStatus()).isEqualTo(422);
        assertThat(e.getMessage()).contains("Conv").contains("messages[0].content").contains("retries");
        assertThat(e.details()).containsOnlyKeys("violations");
        assertThat(StateSchemaTest.violations(e)).containsExactly(
                Map.of("path", "messages[0].content", "message", "size must be between 0 and 10"),
                Map.of("path", "retries", "message", "must be less than or equal to 3"));
    }

    @Test
    void checkOfNoViolationsDoesNotThrow() {
        assertThatCode(() -> CHECKER.check(List.of())).doesNotThrowAnyException();
    }

    @Test
    void violationToMapAndToString() {
        Violation violation = v("messages[3].content", "must not be null");

        assertThat(violation.toMap()).containsExactlyInAnyOrderEntriesOf(
                Map.of("path", "messages[3].content", "message", "must not be null"));
        assertThat(violation).hasToString("messages[3].content: must not be null");
    }

    // ---- without a validator ----

    @Test
    void validatorOfNullAcceptsEverything() {
        StateValidator<Conv> none = new StateValidator<>(SCHEMA, null);
        Conv invalid = new Conv(null, "far too long", null, 99, Map.of("x", BLANK_ROLE), BLANK_ROLE);

        AppliedUpdate<Conv> applied = SCHEMA.apply(invalid,
                updates(Conv.MESSAGES.append(LONG_CONTENT), Conv.RETRIES.set(-5), Conv.BY_ID.put("y", BLANK_ROLE)));

        assertThat(applied.changes()).hasSize(3);
        assertThat(none.validateAll(invalid)).isEmpty();
        assertThat(none.validateAll(applied.state())).isEmpty();
        assertThat(none.validateChanges(applied)).isEmpty();
        assertThatCode(() -> none.check(none.validateChanges(applied))).doesNotThrowAnyException();
    }

    @Test
    void validateChangesSeesTheStateAfterAllChangesOfTheStep() {
        // Two sets of one field in a step: only the final value counts.
        AppliedUpdate<Conv> applied = SCHEMA.apply(conv(new ArrayList<>()),
                updates(Conv.TASK.set("much too long"), Conv.TASK.set("fine")));

        assertThat(CHECKER.validateChanges(applied)).isEmpty();
    }
}
