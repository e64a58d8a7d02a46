package io.threadline.state;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.validation.metadata.BeanDescriptor;
import jakarta.validation.metadata.ConstraintDescriptor;
import jakarta.validation.metadata.ContainerElementTypeDescriptor;
import jakarta.validation.metadata.PropertyDescriptor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks states against their Jakarta Bean Validation constraints before anything is committed.
 *
 * <p>A step's new state is the previous, already valid state plus the step's changes, so only the
 * changes are checked: each changed field's own constraints on its new value, and cascaded
 * ({@code @Valid}) constraints on the items and entries the step added. A list that only grew is
 * checked on its new items alone, unless the list itself carries a constraint an append can break
 * (such as {@code @Size(max = …)}), which is then checked on the whole list. That keeps the cost of
 * a step proportional to its change rather than to the state. Class-level constraints on the state
 * record see the whole state, so a state type that has them is validated in full every step;
 * constrained getters that are not fields ({@code @AssertTrue boolean isOrdered()}) are checked
 * every step.
 *
 * @param <S> the state record type
 */
public final class StateValidator<S> {

    private final StateSchema<S> schema;
    private final Validator validator;
    private final boolean classLevelConstraints;
    private final Set<String> cascaded;
    /** List fields whose own constraints no append can break (none, or only NotNull/NotEmpty/Size without max). */
    private final Set<String> appendSafe;
    /** Fields with constraints on their items ({@code List<@NotBlank String>}). */
    private final Set<String> elementConstrained;
    /** Constrained bean properties that are not fields, e.g. {@code @AssertTrue boolean isOrdered()}: rules over several fields. */
    private final Set<String> derived;

    /**
     * @param validator a Jakarta validator, or {@code null} to check only the Java types of fields
     */
    public StateValidator(StateSchema<S> schema, Validator validator) {
        this.schema = schema;
        this.validator = validator;
        this.cascaded = new LinkedHashSet<>();
        this.appendSafe = new LinkedHashSet<>();
        this.elementConstrained = new LinkedHashSet<>();
        this.derived = new LinkedHashSet<>();
        boolean classLevel = false;
        if (validator != null) {
            BeanDescriptor bean = validator.getConstraintsForClass(schema.type());
            classLevel = !bean.getConstraintDescriptors().isEmpty();
            for (PropertyDescriptor property : bean.getConstrainedProperties()) {
                if (!schema.hasField(property.getPropertyName())) {
                    derived.add(property.getPropertyName());
                }
            }
            for (String field : schema.fieldNames()) {
                PropertyDescriptor property = bean.getConstraintsForProperty(field);
                if (property == null) {
                    appendSafe.add(field);
                    continue;
                }
                if (property.isCascaded() || anyCascaded(property.getConstrainedContainerElementTypes())) {
                    cascaded.add(field);
                }
                if (anyConstrained(property.getConstrainedContainerElementTypes())) {
                    elementConstrained.add(field);
                }
                if (property.getConstraintDescriptors().stream().allMatch(StateValidator::unbreakableByAppend)) {
                    appendSafe.add(field);
                }
            }
        }
        this.classLevelConstraints = classLevel;
    }

    private static boolean unbreakableByAppend(ConstraintDescriptor<?> descriptor) {
        Object type = descriptor.getAnnotation().annotationType();
        if (type == NotNull.class || type == NotEmpty.class) {
            return true;
        }
        return type == Size.class && ((Size) descriptor.getAnnotation()).max() == Integer.MAX_VALUE;
    }

    private static boolean anyConstrained(Set<ContainerElementTypeDescriptor> elements) {
        for (ContainerElementTypeDescriptor element : elements) {
            if (!element.getConstraintDescriptors().isEmpty() || anyConstrained(element.getConstrainedContainerElementTypes())) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyCascaded(Set<ContainerElementTypeDescriptor> elements) {
        for (ContainerElementTypeDescriptor element : elements) {
            if (element.isCascaded() || anyCascaded(element.getConstrainedContainerElementTypes())) {
                return true;
            }
        }
        return false;
    }

    /** Every constraint of the whole state. */
    public List<Violation> validateAll(S state) {
        if (validator == null) {
            return List.of();
        }
        return sorted(toViolations("", validator.validate(state)));
    }

    /** The constraints a step's changes can have broken (see the class comment). */
    public List<Violation> validateChanges(AppliedUpdate<S> applied) {
        if (validator == null || applied.isEmpty()) {
            return List.of();
        }
        if (classLevelConstraints) {
            return validateAll(applied.state());
        }
        Map<String, List<AppliedChange>> byField = new LinkedHashMap<>();
        for (AppliedChange change : applied.changes()) {
            byField.computeIfAbsent(change.field(), k -> new ArrayList<>()).add(change);
        }
        Set<Violation> found = new LinkedHashSet<>();
        for (String property : derived) {
            found.addAll(toViolations("", validator.validateProperty(applied.state(), property)));
        }
        byField.forEach((field, changes) -> {
            Object value = schema.get(applied.state(), field);
            boolean onlyAppends = changes.stream().allMatch(c -> c instanceof AppliedChange.Appended);
            if (onlyAppends && appendSafe.contains(field)) {
                // Appends cannot break the list's own constraints: check the new items only.
                for (AppliedChange change : changes) {
                    AppliedChange.Appended appended = (AppliedChange.Appended) change;
                    if (elementConstrained.contains(field)) {
                        found.addAll(reindexed(field, appended.fromIndex(),
                                validator.validateValue(schema.type(), field, appended.items())));
                    }
                }
            } else {
                found.addAll(toViolations("", validator.validateValue(schema.type(), field, value)));
            }
            if (!cascaded.contains(field)) {
                return;
            }
            if (changes.stream().anyMatch(c -> c instanceof AppliedChange.Replaced)) {
                cascadeValue(field, value, found);
                return;
            }
            for (AppliedChange change : changes) {
                if (change instanceof AppliedChange.Appended appended) {
                    int index = appended.fromIndex();
                    for (Object item : appended.items()) {
                        cascade(field + "[" + index++ + "]", item, found);
                    }
                } else if (change instanceof AppliedChange.Put put) {
                    for (Map.Entry<String, ?> e : put.entries().entrySet()) {
                        cascade(field + "[" + e.getKey() + "]", e.getValue(), found);
                    }
                }
            }
        });
        return sorted(found);
    }

    /**
     * Violations of item constraints found on a list of appended items only, with the items'
     * positions moved to where they sit in the whole list; the list-level ones are dropped (they
     * were checked against the sub-list, and appends cannot break them — see {@code appendSafe}).
     */
    private static <T> List<Violation> reindexed(String field, int offset, Set<ConstraintViolation<T>> violations) {
        if (violations.isEmpty()) {
            return List.of(); // the common case, every step: no pattern to compile
        }
        Pattern indexed = Pattern.compile("^" + Pattern.quote(field) + "\\[(\\d+)]");
        List<Violation> out = new ArrayList<>();
        for (ConstraintViolation<T> v : violations) {
            Matcher m = indexed.matcher(v.getPropertyPath().toString());
            if (m.find()) {
                String path = field + "[" + (Integer.parseInt(m.group(1)) + offset) + "]" + m.replaceFirst("");
                out.add(new Violation(path, v.getMessage()));
            }
        }
        return out;
    }

    /** Throws {@code VALIDATION_FAILED} listing every violation, if there is any. */
    public void check(List<Violation> violations) {
        if (violations.isEmpty()) {
            return;
        }
        List<Map<String, Object>> details = new ArrayList<>();
        for (Violation v : violations) {
            details.add(v.toMap());
        }
        throw ThreadlineException.withViolations(ErrorCode.VALIDATION_FAILED,
                "the new " + schema.type().getSimpleName() + " is invalid: " + violations, details);
    }

    private void cascadeValue(String path, Object value, Set<Violation> found) {
        if (value instanceof Optional<?> optional) {
            optional.ifPresent(v -> cascade(path, v, found));
        } else if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                cascade(path + "[" + i++ + "]", item, found);
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                cascade(path + "[" + e.getKey() + "]", e.getValue(), found);
            }
        } else {
            cascade(path, value, found);
        }
    }

    private void cascade(String path, Object bean, Set<Violation> found) {
        if (bean == null || bean instanceof CharSequence || bean instanceof Number || bean instanceof Boolean) {
            return;
        }
        found.addAll(toViolations(path, validator.validate(bean)));
    }

    private static <T> List<Violation> toViolations(String prefix, Set<ConstraintViolation<T>> violations) {
        List<Violation> out = new ArrayList<>(violations.size());
        for (ConstraintViolation<T> v : violations) {
            String inner = v.getPropertyPath().toString();
            String path = prefix.isEmpty() ? inner : inner.isEmpty() ? prefix : prefix + "." + inner;
            out.add(new Violation(path, v.getMessage()));
        }
        return out;
    }

    private static List<Violation> sorted(Collection<Violation> violations) {
        // Validators report in hash order; sort so that the same failure reads the same every time.
        List<Violation> list = new ArrayList<>(new LinkedHashSet<>(violations));
        list.sort((a, b) -> a.path().equals(b.path()) ? a.message().compareTo(b.message()) : a.path().compareTo(b.path()));
        return list;
    }
}
