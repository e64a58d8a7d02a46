package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Agents;
import io.threadline.config.MemoryStores;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.Message;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import io.threadline.testing.EchoAgent;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * events/replay.json and events/memory-*.json through the Lambda Runtime API, each function exported
 * alone as deployed; the memory functions on the real OpenSearch node.
 */
class DirectOperationsTest {

    /** The replay function on a turn of the test agent ({@link io.threadline.testing.EchoAgent}). */
    @QuarkusTest
    @TestProfile(Exports.Replay.class)
    static class ReplayFunction {
        @Inject
        Agents agents;

        @Test
        void everyStepOfARecordedTurnReplaysTheSame() {
            ThreadRuntime<EchoAgent.EchoState> runtime =
                    agents.runtime(EchoAgent.NAME, EchoAgent.EchoState.class);
            ThreadKey thread = ThreadKey.of("acme", "replay-1");
            runtime.run(thread, EchoAgent.user("what is 6 * 7"), RunBudget.steps(5));
            assertThat(runtime.state(thread).state().answer()).isEqualTo("42");
            for (var cp : runtime.history(thread, HistoryQuery.first(10)).checkpoints()) {
                ObjectNode event = Lambda.echoEvent("replay.json");
                event.put("threadId", "replay-1").put("checkpointId", cp.id().value());
                JsonNode answer = Lambda.invoke(event);
                assertThat(answer.at("/report/verdict").asText()).as(answer.toString()).isEqualTo("SAME");
                assertThat(answer.at("/report/step").asLong()).isEqualTo(cp.step());
                assertThat(answer.at("/report/summary").asText()).startsWith("SAME");
            }
        }

        @Test
        void unknownCheckpointsAndBadIdsAreClearErrors() {
            assertThat(Lambda.invoke(Lambda.eventText("replay.json")).at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");
            ObjectNode bad = Lambda.event("replay.json");
            bad.put("checkpointId", "not-an-id");
            assertThat(Lambda.invoke(bad).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode missing = Lambda.event("replay.json");
            missing.remove("checkpointId");
            assertThat(Lambda.invoke(missing).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode unknownField = Lambda.event("replay.json");
            unknownField.put("force", true);
            assertThat(Lambda.invoke(unknownField).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        }
    }

    @QuarkusTest
    @TestProfile(Exports.ResumeWithApproval.class)
    static class ResumeFunction {
        @Inject
        ThreadRuntime<AgentState> runtime;

        @Test
        void aThreadInterruptedInOneInvocationIsResumedByTheResumeFunction() {
            ThreadKey thread = ThreadKey.of("acme", "demo-1");
            var first = runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(5));
            assertThat(first.stopReason().name()).isEqualTo("INTERRUPTED");

            JsonNode resumed = Lambda.invoke(Lambda.eventText("resume.json"));
            assertThat(resumed.has("error")).as(resumed.toString()).isFalse();
            assertThat(resumed.at("/state/toolOutputs/calculator").asText()).isEqualTo("42");
            assertThat(resumed.at("/checkpoint/metadata/resumed").asText()).isNotEmpty();

            JsonNode repeated = Lambda.invoke(Lambda.eventText("resume.json"));
            assertThat(repeated.get("duplicate").asBoolean()).as("same idempotency key: the first answer").isTrue();
            ObjectNode other = Lambda.event("resume.json");
            other.put("idempotencyKey", "resume-demo-1-2");
            assertThat(Lambda.invoke(other).at("/error/code").asText()).isEqualTo("INTERRUPTED");
        }
    }

    @QuarkusTest
    @TestProfile(Exports.MemoryPut.class)
    static class MemoryPutFunction {
        @Inject
        MemoryStores memory;

        @Test
        void putStoresAMemoryOfTheCallersTenantAndARepeatedPutIsTheSameMemory() {
            JsonNode first = Lambda.invoke(Lambda.eventText("memory-put.json"));
            assertThat(first.has("error")).as(first.toString()).isFalse();
            assertThat(first.at("/memory/namespace").asText()).isEqualTo("users/42/preferences");
            assertThat(first.at("/memory/kind").asText()).isEqualTo("preference");
            assertThat(first.at("/memory/metadata/source").asText()).isEqualTo("profile");
            assertThat(first.at("/memory/expiresAt").isMissingNode()).isFalse();
            assertThat(first.has("/memory/embedding")).isFalse();
            String id = first.at("/memory/id").asText();
            assertThat(memory.store().orElseThrow().get("acme", id)).isPresent();
            assertThat(memory.store().orElseThrow().get("globex", id)).isEmpty();

            JsonNode again = Lambda.invoke(Lambda.eventText("memory-put.json"));
            assertThat(again.at("/memory/id").asText()).isEqualTo(id);
            assertThat(memory.store().orElseThrow().search(MemoryQuery.text("acme", "metric units", 10)
                    .under("users/42/preferences"), Instant.now())).extracting(h -> h.memory().id()).containsOnlyOnce(id);
        }

        @Test
        void badWritesAreRefusedAndStoreNothing() {
            ObjectNode noContent = Lambda.event("memory-put.json");
            noContent.put("namespace", "users/43/empty").remove("content");
            assertThat(Lambda.invoke(noContent).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode badImportance = Lambda.event("memory-put.json");
            badImportance.put("namespace", "users/43/empty").put("importance", 7);
            assertThat(Lambda.invoke(badImportance).at("/error/details/field").asText()).isEqualTo("importance");
            ObjectNode badTtl = Lambda.event("memory-put.json");
            badTtl.put("namespace", "users/43/empty").put("ttlSeconds", -1);
            assertThat(Lambda.invoke(badTtl).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            assertThat(memory.store().orElseThrow().search(MemoryQuery.text("acme", "metric units", 10)
                    .under("users/43"), Instant.now())).isEmpty();
        }

        /** An error of the caller: 400 INVALID_INPUT naming the field (these answered 500 INTERNAL before). */
        private static void assertRefused(ObjectNode event, String field) {
            JsonNode answer = Lambda.invoke(event);
            assertThat(answer.at("/error/code").asText()).as(answer.toString()).isEqualTo("INVALID_INPUT");
            assertThat(answer.at("/error/details/field").asText()).isEqualTo(field);
            assertThat(answer.at("/error/message").asText()).contains(field);
        }

        @Test
        void oversizedOrOverflowingFieldsAreInvalidInputAndStoreNothing() {
            String huge = "x".repeat(40_000);
            ObjectNode immenseValue = Lambda.event("memory-put.json");
            immenseValue.put("namespace", "users/44/limits").put("id", "limits-1").putObject("metadata").put("source", huge);
            assertRefused(immenseValue, "metadata");
            ObjectNode immenseKind = Lambda.event("memory-put.json");
            immenseKind.put("namespace", "users/44/limits").put("id", "limits-2").put("kind", huge);
            assertRefused(immenseKind, "kind");
            ObjectNode endless = Lambda.event("memory-put.json");
            endless.put("namespace", "users/44/limits").put("id", "limits-3").put("ttlSeconds", Long.MAX_VALUE);
            assertRefused(endless, "ttl");
            ObjectNode overConfigured = Lambda.event("memory-put.json");
            overConfigured.put("namespace", "users/44/limits").put("id", "limits-7").put("ttlSeconds", 401L * 86_400);
            JsonNode refused = Lambda.invoke(overConfigured);
            assertThat(refused.at("/error/details/limit").asLong()).as("threadline.memory.max-ttl of the profile").isEqualTo(400L * 86_400);
            ObjectNode manyKeys = Lambda.event("memory-put.json");
            manyKeys.put("namespace", "users/44/limits").put("id", "limits-4");
            ObjectNode keys = manyKeys.putObject("metadata");
            for (int i = 0; i < 800; i++) {
                keys.put("key_" + i, "v");
            }
            assertRefused(manyKeys, "metadata");
            ObjectNode longContent = Lambda.event("memory-put.json");
            longContent.put("namespace", "users/44/limits").put("id", "limits-5").put("content", huge);
            assertRefused(longContent, "content");
            ObjectNode longNamespace = Lambda.event("memory-put.json");
            longNamespace.put("namespace", "n".repeat(10_000)).put("id", "limits-6");
            assertRefused(longNamespace, "namespace");
            ObjectNode longId = Lambda.event("memory-put.json");
            longId.put("namespace", "users/44/limits").put("id", "i".repeat(10_000));
            assertRefused(longId, "id");

            MemoryStore store = memory.store().orElseThrow();
            for (int i = 1; i <= 7; i++) {
                assertThat(store.get("acme", "limits-" + i)).isEmpty();
            }
            assertThat(store.search(MemoryQuery.text("acme", "metric units", 10).under("users/44"), Instant.now()))
                    .isEmpty();
        }
    }

    @QuarkusTest
    @TestProfile(Exports.MemorySearch.class)
    static class MemorySearchFunction {
        @Inject
        MemoryStores memory;

        @Test
        void searchFindsTheTenantsMemoriesUnderTheNamespaceAndNoOneElses() {
            MemoryStore store = memory.store().orElseThrow();
            Instant now = Instant.now();
            store.put(new MemoryWrite("m-search-1", "acme", "users/42/preferences", "prefers answers in metric units", "preference",
                    0.8, null, null, null, Map.of("source", "profile")), now);
            store.put(new MemoryWrite("m-search-2", "globex", "users/42/preferences", "prefers answers in metric units", "preference",
                    0.8, null, null, null, Map.of("source", "profile")), now);

            JsonNode answer = Lambda.invoke(Lambda.eventText("memory-search.json"));

            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.get("memories")).isNotEmpty();
            assertThat(answer.get("memories").findValuesAsText("id")).contains("m-search-1").doesNotContain("m-search-2");
            assertThat(answer.at("/memories/0/score").isNumber()).isTrue();

            ObjectNode crafted = Lambda.event("memory-search.json");
            crafted.put("tenant", "acme").put("namespace", "../globex");
            assertThat(Lambda.invoke(crafted).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        }
    }

    @QuarkusTest
    @TestProfile(Exports.MemoryDelete.class)
    static class MemoryDeleteFunction {
        @Inject
        MemoryStores memory;

        @Test
        void deleteForgetsOneMemoryOfTheCallersTenantOnly() {
            MemoryStore store = memory.store().orElseThrow();
            store.put(new MemoryWrite("m-0123456789abcdef", "acme", "users/42/notes", "to be forgotten", "fact", 0.5, null, null,
                    null, Map.of()), Instant.now());
            ObjectNode otherTenant = Lambda.event("memory-delete.json");
            otherTenant.put("tenant", "globex");
            assertThat(Lambda.invoke(otherTenant).get("deleted").asBoolean()).isFalse();
            assertThat(store.get("acme", "m-0123456789abcdef")).isPresent();

            assertThat(Lambda.invoke(Lambda.eventText("memory-delete.json")).get("deleted").asBoolean()).isTrue();
            assertThat(store.get("acme", "m-0123456789abcdef")).isEmpty();
            assertThat(Lambda.invoke(Lambda.eventText("memory-delete.json")).get("deleted").asBoolean()).isFalse();
        }

        @Test
        void idsThatPutRefusesAreRefusedByDeleteToo() {
            for (String id : List.of("*", "../x", "a#b", "i".repeat(10_000))) {
                ObjectNode event = Lambda.event("memory-delete.json");
                event.put("id", id);
                JsonNode answer = Lambda.invoke(event);
                assertThat(answer.at("/error/code").asText()).as(answer.toString()).isEqualTo("INVALID_INPUT");
                assertThat(answer.at("/error/details/field").asText()).isEqualTo("id");
                assertThat(answer.at("/error/message").asText()).contains("id").hasSizeLessThan(400);
            }
        }
    }

    /** events/memory-history.json: the chain of corrections of the event's tenant, on the real OpenSearch node. */
    @QuarkusTest
    @TestProfile(Exports.MemoryHistory.class)
    static class MemoryHistoryFunction {
        @Inject
        MemoryStores memory;

        @Test
        void historyReadsTheChainOfTheCallersTenantOnly() {
            MemoryStore store = memory.store().orElseThrow();
            String run = UUID.randomUUID().toString().substring(0, 8);
            store.delete("acme", "m-0123456789abcdef"); // the index outlives a run; the event's id starts afresh
            MemoryWrite first = new MemoryWrite("m-0123456789abcdef", "acme", "users/42/" + run, "lives in lisbon", "fact", 0.5, null,
                    null, null, Map.of());
            store.put(first, Instant.now());
            store.put(new MemoryWrite("m-moved-" + run, "acme", "users/42/" + run, "lives in porto now", "fact", 0.5, null, null, null,
                    Map.of()).superseding(List.of("m-0123456789abcdef")), Instant.now());
            JsonNode answer = Lambda.invoke(Lambda.eventText("memory-history.json"));
            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.get("memories").findValuesAsText("id")).containsExactly("m-0123456789abcdef", "m-moved-" + run);

            ObjectNode otherTenant = Lambda.event("memory-history.json");
            otherTenant.put("tenant", "globex");
            assertThat(Lambda.invoke(otherTenant).get("memories")).isEmpty();
            ObjectNode bad = Lambda.event("memory-history.json");
            bad.put("id", "../x");
            assertThat(Lambda.invoke(bad).at("/error/details/field").asText()).isEqualTo("id");
            store.delete("acme", "m-0123456789abcdef");
            store.delete("acme", "m-moved-" + run);
        }
    }

    /** events/memory-forget.json: the memories thread ticket-1 wrote for the event's tenant go, with a report. */
    @QuarkusTest
    @TestProfile(Exports.MemoryForget.class)
    static class MemoryForgetFunction {
        @Inject
        MemoryStores memory;

        @Test
        void forgetRemovesTheThreadsMemoriesOfTheCallersTenantOnly() {
            MemoryStore store = memory.store().orElseThrow();
            String run = UUID.randomUUID().toString().substring(0, 8);
            for (String tenant : List.of("acme", "globex")) {
                store.put(new MemoryWrite("f-" + run, tenant, "tickets/" + run, "the printer jams on tuesdays", "fact", 0.5, null,
                        "ticket-1", null, Map.of()), Instant.now());
            }
            JsonNode answer = Lambda.invoke(Lambda.eventText("memory-forget.json"));
            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.get("ids").toString()).contains("\"f-" + run + "\"");
            assertThat(answer.get("removed").asInt()).isEqualTo(answer.get("ids").size());
            assertThat(answer.get("selection").asText()).isEqualTo("thread=ticket-1");
            assertThat(store.get("acme", "f-" + run)).isEmpty();
            assertThat(store.get("globex", "f-" + run)).isPresent();
            assertThat(Lambda.invoke(Lambda.eventText("memory-forget.json")).get("removed").asInt()).isZero();

            ObjectNode neither = Lambda.event("memory-forget.json");
            neither.remove("threadId");
            assertThat(Lambda.invoke(neither).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            store.forgetThread("globex", "ticket-1");
        }
    }

    /**
     * events/delete.json: the thread of the event's tenant goes, with the memories its steps wrote; another
     * tenant's thread of the same id, and bad requests, change nothing.
     */
    @QuarkusTest
    @TestProfile(Exports.Delete.class)
    static class DeleteFunction {
        @Inject
        Agents agents;

        @Inject
        MemoryStores memoryStores;

        @Test
        void theEventsThreadAndItsMemoriesGoAndNothingElse() {
            ThreadRuntime<EchoAgent.EchoState> runtime =
                    agents.runtime(EchoAgent.NAME, EchoAgent.EchoState.class);
            ThreadKey acme = ThreadKey.of("acme", "demo-1");
            ThreadKey globex = ThreadKey.of("globex", "demo-1");
            runtime.run(acme, EchoAgent.user("what is 6 * 7"), RunBudget.steps(5));
            runtime.run(globex, EchoAgent.user("what is 2 + 3"), RunBudget.steps(5));
            MemoryStore memory = memoryStores.store().orElseThrow();
            memory.put(new MemoryWrite("m-demo-1", "acme", "notes", "the answer was forty two", "fact", 0.5, null, "demo-1",
                    null, Map.of()), Instant.now());
            memory.put(new MemoryWrite("m-demo-1", "globex", "notes", "the answer was five", "fact", 0.5, null, "demo-1",
                    null, Map.of()), Instant.now());

            // Bad requests: refused with INVALID_INPUT (or AGENT_MISMATCH), and nothing is deleted.
            ObjectNode missing = Lambda.echoEvent("delete.json");
            missing.remove("threadId");
            assertThat(Lambda.invoke(missing).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode unknownField = Lambda.echoEvent("delete.json");
            unknownField.put("everything", true);
            assertThat(Lambda.invoke(unknownField).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode wrongType = Lambda.echoEvent("delete.json");
            wrongType.putArray("threadId").add("demo-1");
            assertThat(Lambda.invoke(wrongType).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode noTenant = Lambda.echoEvent("delete.json");
            noTenant.remove("tenant");
            assertThat(Lambda.invoke(noTenant).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            JsonNode otherAgent = Lambda.invoke(Lambda.eventText("delete.json"));  // names no agent: the default's
            assertThat(otherAgent.at("/error/code").asText()).as(otherAgent.toString()).isEqualTo("AGENT_MISMATCH");
            assertThat(runtime.state(acme).checkpoint().step()).isEqualTo(2);
            assertThat(memory.get("acme", "m-demo-1")).isPresent();

            JsonNode deleted = Lambda.invoke(Lambda.echoEvent("delete.json"));

            assertThat(deleted.get("threadId").asText()).as(deleted.toString()).isEqualTo("demo-1");
            assertThat(deleted.get("existed").asBoolean()).isTrue();
            assertThat(deleted.at("/removed/checkpoints").asLong()).isEqualTo(2);
            assertThat(deleted.at("/removed/heads").asLong()).isEqualTo(1);
            assertThat(deleted.at("/removed/memories").asLong()).isEqualTo(1);
            assertThat(deleted.has("error")).isFalse();
            assertThat(memory.get("acme", "m-demo-1")).isEmpty();
            assertThat(runtime.state(globex).state().answer()).as("another tenant's thread of the same id").isEqualTo("5");
            assertThat(memory.get("globex", "m-demo-1")).isPresent();
            JsonNode state = Lambda.invoke(Lambda.echoEvent("delete.json"));
            assertThat(state.get("existed").asBoolean()).as("again: " + state).isFalse();
            state.get("removed").forEach(n -> assertThat(n.asLong()).isZero());
            runtime.delete(globex);
        }
    }
}
