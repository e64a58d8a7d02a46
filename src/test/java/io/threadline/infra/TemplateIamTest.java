package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.config.WithDefault;
import io.threadline.OperationNames;
import io.threadline.config.MemoryConfig;
import io.threadline.memory.opensearch.CompactionRequests;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each function's role holds exactly what the operation it exports uses — no more, no less — for the default
 * parameters and for each way the memory store and the chat model can be chosen. What an operation uses is
 * written here, from the code, independently of the template ({@link #USES}); what a capability needs in IAM
 * terms follows ({@link #grants}). The template's policies are read and resolved as CloudFormation would
 * ({@link CfnEvaluation}) and compared as sets of "action on resource".
 */
class TemplateIamTest {

    enum Uses {
        /** Query only: history and export read checkpoint chains and pages, never the head item. */
        CHECKPOINT_QUERY,
        /** Query, and GetItem of the head item (replay tells an unknown checkpoint from an unknown thread by it). */
        CHECKPOINT_READ,
        /**
         * Reads, plus commits — TransactWriteItems of conditional Puts and the head's conditional Update, which IAM
         * authorizes as PutItem and UpdateItem — pending
         * effects (PutItem), and deletes: DeleteItem when an outbox is published, BatchWriteItem for pending effects.
         */
        CHECKPOINT_WRITE,
        /**
         * OpenSearch: GET (the index mapping, documents), PUT (the index on first use, documents), POST (search,
         * mget, bulk touches, refresh), DELETE (documents). Every memory user may be the first to create the index.
         */
        MEMORY,
        /**
         * memory-compact: GET of the index's segment stats and of the merge's task, POST of {@code _forcemerge} and
         * {@code _refresh}; nothing on a Serverless collection, which has no force merge (the function refuses it).
         */
        MEMORY_COMPACT,
        /** bedrock:InvokeModel of the chat model (Converse, tool calls included, is authorized as InvokeModel). */
        CHAT,
        /** bedrock:InvokeModel of the embedding model: every memory write and text search embeds. */
        EMBEDDING,
        /** sqs:SendMessage to the run queue: a background run's next step (start, a resume that continues a run, advance, sweep). */
        RUN_SEND,
        /** What the advance function's event source mapping and its timed waits do with the run queue. */
        RUN_CONSUME,
        /**
         * A background run's step: a ConditionCheck of the thread's run record inside the commit's TransactWriteItems
         * (the run guard), authorized as ConditionCheckItem.
         */
        RUN_GUARD,
        /** The sweep: Query of the wake index, GetItem of the runs' records, DeleteItem of stale wake entries. */
        RUN_SWEEP,
        /** Query of the threadsByActivity index (one per shard), then BatchGetItem of the page's heads. */
        THREAD_LIST,
        /** GetItem of the head's tags, then UpdateItem of them on condition of their version. */
        THREAD_TAG,
        /** Reading an encrypted checkpoint: GetItem of the thread's wrapped data key, kms:Decrypt of it. */
        DATA_KEY_READ,
        /** A new thread's data key: kms:GenerateDataKey, then a conditional PutItem of it wrapped. */
        DATA_KEY_CREATE,
        /** DeleteItem of a thread's data key: delete (crypto-shredding), and a first write taking back a key a racing delete left. */
        DATA_KEY_SHRED,
        /**
         * Scan of the threadsByActivity index: the migration dry-run of every tenant, which only a direct invocation
         * asks for (over HTTP the tenant is the token's), so the http function is not granted it.
         */
        EVERY_TENANT_SCAN
    }

    /** What every operation that loads and commits thread data does with data keys (it may start a thread, or race a delete). */
    private static final Set<Uses> DATA_KEYS = Set.of(Uses.DATA_KEY_READ, Uses.DATA_KEY_CREATE, Uses.DATA_KEY_SHRED);

    private static Set<Uses> with(Set<Uses> uses, Set<Uses> more) {
        Set<Uses> out = new HashSet<>(uses);
        out.addAll(more);
        return Set.copyOf(out);
    }

    /**
     * What each operation calls. Loading a thread's head (step, run, resume, state, fork, rewind, update) also
     * applies memory writes a crashed process left unpublished (ThreadRuntime.loadHead → Outbox.catchUp): an
     * embedding, an OpenSearch write and a DeleteItem, so those operations write even when they only read.
     * history, export and replay read stored checkpoints only (replay re-runs a step on its recorded effects:
     * no model, tool or memory call). memory-delete deletes by id: no embedding.
     */
    static final Map<String, Set<Uses>> USES = Map.ofEntries(
            Map.entry("step", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.CHAT, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("run", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.CHAT, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("resume", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.CHAT, Uses.EMBEDDING, Uses.RUN_SEND), DATA_KEYS)),
            // start writes the run's record and its first message; interrupt/rollback policies rewind (a head load);
            // cancel of a waiting run notes it in the history (an update); advance runs steps; sweep only wakes.
            Map.entry("start", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.EMBEDDING, Uses.RUN_SEND), DATA_KEYS)),
            Map.entry("cancel", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("advance", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.RUN_GUARD, Uses.MEMORY, Uses.CHAT, Uses.EMBEDDING, Uses.RUN_SEND,
                    Uses.RUN_CONSUME), DATA_KEYS)),
            // run-status reads the run's record: one GetItem
            Map.entry("run-status", Set.of(Uses.CHECKPOINT_READ)),
            Map.entry("sweep", Set.of(Uses.RUN_SWEEP, Uses.RUN_SEND)),
            Map.entry("state", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("fork", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("rewind", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("update", with(Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.EMBEDDING), DATA_KEYS)),
            Map.entry("history", Set.of(Uses.CHECKPOINT_QUERY, Uses.DATA_KEY_READ)),
            Map.entry("export", Set.of(Uses.CHECKPOINT_QUERY, Uses.DATA_KEY_READ)),
            Map.entry("replay", Set.of(Uses.CHECKPOINT_READ, Uses.DATA_KEY_READ)),
            // delete: the store's tombstone (PutItem), sweep (Query, BatchWriteItem) and last DeleteItem; the
            // thread's memories by a delete-by-query (POST).
            Map.entry("delete", Set.of(Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.DATA_KEY_SHRED)),
            // erase: the subject's threads by the listing (THREAD_LIST), each deleted as delete does; its memories by a
            // delete-by-query on their metadata.
            Map.entry("erase", Set.of(Uses.THREAD_LIST, Uses.CHECKPOINT_WRITE, Uses.MEMORY, Uses.DATA_KEY_SHRED)),
            Map.entry("memory-search", Set.of(Uses.MEMORY, Uses.EMBEDDING)),
            Map.entry("memory-put", Set.of(Uses.MEMORY, Uses.EMBEDDING)),
            Map.entry("memory-delete", Set.of(Uses.MEMORY)),
            Map.entry("memory-history", Set.of(Uses.MEMORY)),
            Map.entry("memory-forget", Set.of(Uses.MEMORY)),
            Map.entry("memory-compact", Set.of(Uses.MEMORY_COMPACT)),
            Map.entry("threads", Set.of(Uses.THREAD_LIST)),
            Map.entry("tag", Set.of(Uses.THREAD_TAG)),
            // heads a page at a time (as threads lists them), then each head checkpoint (GetItem, or Query of its chunks).
            Map.entry("migration-dry-run", Set.of(Uses.THREAD_LIST, Uses.CHECKPOINT_READ, Uses.EVERY_TENANT_SCAN)));

    private static final String TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/CheckpointTable";
    private static final String QUEUE = "arn:aws:sqs:us-east-1:123456789012:RunQueue";
    private static final String KEY = "arn:aws:kms:us-east-1:123456789012:key/CheckpointKey";
    private static final String KEY_TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/DataKeyTable";

    /** The grants a capability needs, as "action on resource", under the given parameters. */
    static Set<String> grants(Uses use, CfnEvaluation template) {
        String region = CfnEvaluation.REGION;
        String account = CfnEvaluation.ACCOUNT;
        return switch (use) {
            case CHECKPOINT_QUERY -> on(TABLE, "dynamodb:Query");
            case CHECKPOINT_READ -> on(TABLE, "dynamodb:GetItem", "dynamodb:Query");
            case CHECKPOINT_WRITE -> on(TABLE, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                    "dynamodb:BatchWriteItem");
            case MEMORY -> switch (template.parameter("Memory")) {
                case "domain" -> on("arn:aws:es:" + region + ":" + account + ":domain/" + template.parameter("MemoryDomainName") + "/*",
                        "es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete");
                case "existing" -> template.parameter("ExistingMemoryService").equals("aoss")
                        ? on(template.parameter("ExistingMemoryArn"), "aoss:APICall")
                        : on(template.parameter("ExistingMemoryArn") + "/*", "es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete");
                default -> Set.of();
            };
            case MEMORY_COMPACT -> switch (template.parameter("Memory")) {
                case "domain" -> compaction("arn:aws:es:" + region + ":" + account + ":domain/" + template.parameter("MemoryDomainName"));
                case "existing" -> template.parameter("ExistingMemoryService").equals("aoss")
                        ? Set.of()
                        : compaction(template.parameter("ExistingMemoryArn"));
                default -> Set.of();
            };
            case CHAT -> {
                String model = template.parameter("ChatModelId");
                String profile = template.parameter("ChatInferenceProfile");
                yield profile.isEmpty()
                        ? on("arn:aws:bedrock:" + region + "::foundation-model/" + model, "bedrock:InvokeModel")
                        : union(on("arn:aws:bedrock:" + region + ":" + account + ":inference-profile/" + profile + "." + model, "bedrock:InvokeModel"),
                                on("arn:aws:bedrock:*::foundation-model/" + model, "bedrock:InvokeModel"));
            }
            case THREAD_LIST -> union(on(TABLE + "/index/threadsByActivity", "dynamodb:Query"), on(TABLE, "dynamodb:BatchGetItem"));
            case THREAD_TAG -> on(TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem");
            case EVERY_TENANT_SCAN -> on(TABLE + "/index/threadsByActivity", "dynamodb:Scan");
            case EMBEDDING -> on("arn:aws:bedrock:" + region + "::foundation-model/" + template.parameter("EmbeddingModelId"),
                    "bedrock:InvokeModel");
            case RUN_SEND -> on(QUEUE, "sqs:SendMessage");
            case RUN_CONSUME -> on(QUEUE, "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility");
            case RUN_GUARD -> on(TABLE, "dynamodb:ConditionCheckItem");
            case RUN_SWEEP -> on(TABLE, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem");
            case DATA_KEY_READ -> union(on(KEY, "kms:Decrypt"), on(KEY_TABLE, "dynamodb:GetItem"));
            case DATA_KEY_CREATE -> union(on(KEY, "kms:GenerateDataKey"), on(KEY_TABLE, "dynamodb:PutItem"));
            case DATA_KEY_SHRED -> on(KEY_TABLE, "dynamodb:DeleteItem");
        };
    }

    static Stream<Map<String, String>> parameterSets() {
        return Stream.of(
                Map.of(),
                Map.of("Runtime", "jvm"),
                Map.of("Memory", "none"),
                Map.of("Memory", "existing", "ExistingMemoryUrl", "https://search-mine-x.eu-west-1.es.amazonaws.com",
                        "ExistingMemoryArn", "arn:aws:es:us-east-1:123456789012:domain/mine"),
                Map.of("Memory", "existing", "ExistingMemoryService", "aoss", "ExistingMemoryUrl", "https://abc.us-east-1.aoss.amazonaws.com",
                        "ExistingMemoryArn", "arn:aws:aoss:us-east-1:123456789012:collection/abc"),
                Map.of("ChatInferenceProfile", "", "ChatModelId", "anthropic.claude-3-haiku-20240307-v1:0"),
                Map.of("ChatInferenceProfile", "eu", "EmbeddingModelId", "cohere.embed-multilingual-v3", "EmbeddingDimension", "1024"));
    }

    @ParameterizedTest
    @MethodSource("parameterSets")
    void eachFunctionsRoleHoldsExactlyWhatItsOperationUses(Map<String, String> parameters) {
        CfnEvaluation template = new CfnEvaluation(CfnTemplate.read(), parameters);
        assertThat(template.refusedParameters()).as("parameters CloudFormation accepts").isEmpty();
        assertThat(template.failedRules()).as("rules").isEmpty();
        Map<String, Set<String>> expected = new TreeMap<>();
        Map<String, Set<String>> actual = new TreeMap<>();
        Set<String> exported = new TreeSet<>();
        template.resources().forEach((name, resource) -> {
            if (!resource.path("Type").asText().equals("AWS::Serverless::Function")) {
                return;
            }
            JsonNode props = template.properties(name);
            String operation = props.at("/Environment/Variables/QUARKUS_FUNQY_EXPORT").asText();
            exported.add(operation);
            // The http function routes every operation (theHttpFunctionRoutesEveryOperation).
            List<String> operations = operation.equals("http") ? OperationNames.ALL : List.of(operation);
            Set<String> needed = new TreeSet<>();
            for (String op : operations) {
                assertThat(USES).as("what %s uses is written in this test", op).containsKey(op);
                USES.get(op).stream().filter(use -> !(operation.equals("http") && use == Uses.EVERY_TENANT_SCAN))
                        .forEach(use -> needed.addAll(grants(use, template)));
            }
            expected.put(name, needed);
            actual.put(name, granted(template, name, props));
            // Lambda's own needs come from SAM: the basic execution role (logs) always, and with Tracing: Active
            // the X-Ray write permissions that Lambda's segment and the ADOT collector's X-Ray exporter use.
            assertThat(props.path("Role").isMissingNode()).as(name + ": SAM builds the role").isTrue();
            assertThat(props.path("Tracing").asText()).as(name).isEqualTo("Active");
        });
        assertThat(exported).as("one function per operation, and http").containsAll(OperationNames.ALL).contains("http")
                .contains("advance", "sweep", "memory-compact");
        List<String> differences = new ArrayList<>();
        expected.forEach((function, needed) -> {
            Set<String> missing = new TreeSet<>(needed);
            missing.removeAll(actual.get(function));
            Set<String> extra = new TreeSet<>(actual.get(function));
            extra.removeAll(needed);
            missing.forEach(g -> differences.add(function + " lacks " + g));
            extra.forEach(g -> differences.add(function + " has more: " + g));
        });
        assertThat(differences).as("under " + parameters).isEmpty();
    }

    /** What a function's Policies grant: managed policies of this template (by Ref) or inline statements only. */
    private static Set<String> granted(CfnEvaluation template, String function, JsonNode props) {
        Set<String> out = new TreeSet<>();
        for (JsonNode policy : props.path("Policies")) {
            List<JsonNode> statements = new ArrayList<>();
            if (policy.isTextual()) {
                String arn = policy.asText();
                String prefix = "arn:aws:iam::" + CfnEvaluation.ACCOUNT + ":policy/";
                assertThat(arn).as(function + ": a policy of this template, not an AWS managed one (they grant more)").startsWith(prefix);
                template.properties(arn.substring(prefix.length())).at("/PolicyDocument/Statement").forEach(statements::add);
            } else if (policy.has("Statement")) {
                policy.get("Statement").forEach(statements::add);
            } else {
                throw new AssertionError(function + ": a policy the test cannot read (a SAM policy template grants more than it names): " + policy);
            }
            for (JsonNode s : statements) {
                assertThat(s.path("Effect").asText()).as(function + " " + s).isEqualTo("Allow");
                assertThat(s.has("Condition") || s.has("NotAction") || s.has("NotResource")).as(function + " " + s).isFalse();
                for (String action : list(s.get("Action"))) {
                    for (String resource : list(s.get("Resource"))) {
                        out.add(action + " on " + resource);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The domain's own access policy lets IAM decide (the account is its principal, on this domain only), so the
     * roles' policies above are what limits access; and the functions reach it at the endpoint they are given.
     */
    @Test
    void theDomainLeavesAccessToIamAndTheFunctionsAreGivenItsEndpoint() {
        CfnEvaluation template = new CfnEvaluation(CfnTemplate.read(), Map.of());
        JsonNode domain = template.properties("MemoryDomain");
        JsonNode statement = domain.at("/AccessPolicies/Statement");
        assertThat(statement).hasSize(1);
        assertThat(statement.get(0).at("/Principal/AWS").asText()).isEqualTo("arn:aws:iam::123456789012:root");
        assertThat(statement.get(0).at("/Resource").asText()).isEqualTo("arn:aws:es:us-east-1:123456789012:domain/threadline-memory/*");
        assertThat(domain.at("/DomainEndpointOptions/EnforceHTTPS").asBoolean()).isTrue();
        assertThat(domain.at("/EncryptionAtRestOptions/Enabled").asBoolean()).isTrue();
        JsonNode env = template.properties("StepNative").at("/Environment/Variables");
        assertThat(env.get("THREADLINE_MEMORY_OPENSEARCH_URL").asText())
                .isEqualTo("https://search-threadline-memory-abc123.us-east-1.es.amazonaws.com");
        assertThat(env.get("THREADLINE_MEMORY_OPENSEARCH_SIGNING_SERVICE").asText()).isEqualTo("es");
        assertThat(env.get("THREADLINE_BEDROCK_CHAT_MODEL_ID").asText()).isEqualTo("us.amazon.nova-lite-v1:0");
    }

    @Test
    void withoutMemoryTheFunctionsAreToldSoAndGetNoEndpoint() {
        JsonNode env = new CfnEvaluation(CfnTemplate.read(), Map.of("Memory", "none")).properties("StepNative").at("/Environment/Variables");
        assertThat(env.get("THREADLINE_MEMORY_STORE").asText()).isEqualTo("none");
        assertThat(env.has("THREADLINE_MEMORY_OPENSEARCH_URL")).isFalse();
    }

    @Test
    void aServerlessCollectionIsSignedForAoss() {
        JsonNode env = new CfnEvaluation(CfnTemplate.read(), Map.of("Memory", "existing", "ExistingMemoryService", "aoss",
                "ExistingMemoryUrl", "https://abc.us-east-1.aoss.amazonaws.com", "ExistingMemoryArn", "arn:aws:aoss:us-east-1:123456789012:collection/abc"))
                .properties("HttpNative").at("/Environment/Variables");
        assertThat(env.get("THREADLINE_MEMORY_OPENSEARCH_SIGNING_SERVICE").asText()).isEqualTo("aoss");
        assertThat(env.get("THREADLINE_MEMORY_OPENSEARCH_URL").asText()).isEqualTo("https://abc.us-east-1.aoss.amazonaws.com");
    }

    /** Memory=existing without its endpoint or ARN is refused by the template's Rules, before anything is created. */
    @Test
    void anExistingStoreMustBeNamed() {
        CfnEvaluation unnamed = new CfnEvaluation(CfnTemplate.read(), Map.of("Memory", "existing"));
        assertThat(unnamed.failedRules()).hasSize(2).allSatisfy(d -> assertThat(d).startsWith("Memory=existing needs"));
        CfnEvaluation slash = new CfnEvaluation(CfnTemplate.read(), Map.of("Memory", "existing",
                "ExistingMemoryUrl", "https://search-x.us-east-1.es.amazonaws.com/", "ExistingMemoryArn", "arn:aws:es:us-east-1:123456789012:domain/x"));
        assertThat(slash.refusedParameters()).containsExactly("ExistingMemoryUrl=https://search-x.us-east-1.es.amazonaws.com/");
    }

    /**
     * Exactly the requests a compaction sends ({@link CompactionRequests}), on the index the functions use — the
     * default of {@code threadline.memory.opensearch.index}, which the template does not change — and nothing broader:
     * the index holds every tenant's memories.
     */
    private static Set<String> compaction(String domainArn) {
        String index = functionsMemoryIndex();
        Set<String> out = new LinkedHashSet<>();
        for (CompactionRequests.Request r : CompactionRequests.of(index)) {
            out.addAll(on(domainArn + r.path(), "es:ESHttp" + r.method().charAt(0) + r.method().substring(1).toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    /**
     * The memory index the deployed functions use: {@code threadline.memory.opensearch.index}'s default (MemoryConfig),
     * unless application.properties (any profile) or an environment variable the template gives a function (Globals
     * or its own) sets it otherwise — which would leave the compaction policy on an index the functions do not use.
     */
    private static String functionsMemoryIndex() {
        String index;
        try {
            index = MemoryConfig.OpenSearch.class.getMethod("index").getAnnotation(WithDefault.class).value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        properties.stringPropertyNames().stream()
                .filter(k -> k.equals("threadline.memory.opensearch.index") || k.endsWith(".threadline.memory.opensearch.index"))
                .forEach(k -> assertThat(properties.getProperty(k)).as("application.properties %s: the compaction policy is on %s", k, index)
                        .isEqualTo(index));
        JsonNode template = CfnTemplate.read();
        List<JsonNode> environments = new ArrayList<>(List.of(template.at("/Globals/Function/Environment/Variables")));
        template.path("Resources").forEach(r -> environments.add(r.at("/Properties/Environment/Variables")));
        for (JsonNode env : environments) {
            JsonNode set = env.path("THREADLINE_MEMORY_OPENSEARCH_INDEX");
            if (!set.isMissingNode()) {
                assertThat(set.isTextual() ? set.asText() : set.toString())
                        .as("template.yaml's THREADLINE_MEMORY_OPENSEARCH_INDEX: the compaction policy is on %s", index).isEqualTo(index);
            }
        }
        return index;
    }

    private static Set<String> on(String resource, String... actions) {
        Set<String> out = new LinkedHashSet<>();
        for (String a : actions) {
            out.add(a + " on " + resource);
        }
        return out;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }

    private static List<String> list(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else {
            out.add(node.asText());
        }
        return out;
    }
}
