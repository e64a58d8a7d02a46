package io.threadline.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Sensitive} fields are read once by the schema and masked in snapshots and patches, nothing else. */
class RedactionTest {

    public record Account(List<String> notes, @Sensitive String password, @Sensitive List<String> cards, String name) {}

    private final StateSchema<Account> schema = StateSchema.of(Account.class);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theSchemaKnowsItsSensitiveFields() {
        assertThat(schema.sensitiveFields()).containsExactly("password", "cards");
        assertThat(StateSchema.of(Plain.class).sensitiveFields()).isEmpty();
    }

    public record Plain(String a) {}

    @Test
    void aSnapshotShowsTheMaskForSetValuesOnly() throws Exception {
        JsonNode state = json.readTree("{\"notes\":[\"n\"],\"password\":\"hunter2\",\"cards\":null,\"name\":\"Ada\"}");
        JsonNode shown = Redaction.state(schema, state);
        assertThat(shown.toString()).isEqualTo("{\"notes\":[\"n\"],\"password\":\"***\",\"cards\":null,\"name\":\"Ada\"}");
        assertThat(state.get("password").asText()).as("the original is untouched").isEqualTo("hunter2");
    }

    @Test
    void aPatchMasksEveryOperationIntoASensitiveField() throws Exception {
        JsonNode patch = json.readTree("[{\"op\":\"replace\",\"path\":\"/password\",\"value\":\"hunter3\"},"
                + "{\"op\":\"add\",\"path\":\"/cards/-\",\"value\":\"4111 1111 1111 1111\"},"
                + "{\"op\":\"copy\",\"from\":\"/password\",\"path\":\"/name\",\"value\":\"hunter3\"},"
                + "{\"op\":\"add\",\"path\":\"/notes/-\",\"value\":\"kept\"},"
                + "{\"op\":\"remove\",\"path\":\"/cards/0\"}]");
        String shown = Redaction.patch(schema, patch).toString();
        assertThat(shown).doesNotContain("hunter3", "4111").contains("\"kept\"", "\"op\":\"remove\"");
        assertThat(Redaction.patch(schema, patch).get(0).get("value").asText()).isEqualTo(Redaction.MASK);
    }

    @Test
    void aFieldWhoseNameOnlyStartsLikeASensitiveOneIsShown() throws Exception {
        JsonNode patch = json.readTree("[{\"op\":\"replace\",\"path\":\"/passwordHint\",\"value\":\"pet\"}]");
        assertThat(Redaction.patch(schema, patch).toString()).contains("pet");
    }

    @Test
    void valuesOfSensitiveFieldsAreMaskedWhereverACallCopiedThem() throws Exception {
        JsonNode state = json.readTree("{\"notes\":[\"hunter2 is not here\"],\"password\":\"hunter2\","
                + "\"cards\":[\"4111 1111\",\"abc\"],\"name\":\"Ada\"}");
        Set<String> values = Redaction.values(schema, state);
        assertThat(values).containsExactlyInAnyOrder("hunter2", "4111 1111");
        JsonNode effects = json.readTree("[{\"kind\":\"MODEL\",\"request\":{\"messages\":[{\"text\":\"log in with hunter2 and card 4111 1111\"}]},"
                + "\"response\":{\"text\":\"ok abc\"}}]");
        String shown = Redaction.mask(effects, values).toString();
        assertThat(shown).contains("log in with *** and card ***", "ok abc").doesNotContain("hunter2", "4111");
        assertThat(effects.toString()).as("the original is untouched").contains("hunter2");
        assertThat(Redaction.mask(effects, Set.of())).isSameAs(effects);
    }

    @Test
    void aValueHoldingAnotherIsMaskedWholeWhicheverOrderTheyComeIn() {
        // Shortest first would leave "-acct-991" in clear after masking "pin-4711" inside it.
        Set<String> values = new LinkedHashSet<>(List.of("pin-4711", "pin-4711-acct-991"));
        assertThat(Redaction.mask("account pin-4711-acct-991, pin pin-4711", values)).isEqualTo("account ***, pin ***");
        Set<String> reversed = new LinkedHashSet<>(List.of("pin-4711-acct-991", "pin-4711"));
        assertThat(Redaction.mask("account pin-4711-acct-991, pin pin-4711", reversed)).isEqualTo("account ***, pin ***");
    }
}
