package io.threadline.api;

import io.quarkus.funqy.Funq;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectError;
import io.threadline.effects.ToolBox;
import io.threadline.examples.approvals.RefundPolicy;
import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryLimits;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemoryScoring;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.PutResult;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.testing.NativeRegistrationCheck;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A native image binds with Jackson only the types registered for reflection at build time; the JVM
 * binds anything, so a missing registration passes every JVM test and fails in Lambda. This test scans
 * the compiled classes of the packages whose records cross a JSON boundary and fails when a record is
 * neither in {@link NativeRegistrations} nor listed below as never serialised — so adding a request,
 * reply, state, memory or effect record forces a decision. (Scanning is fine in a test; production
 * code registers statically.)
 */
class NativeRegistrationsTest {

    /** Packages (with their sub-packages) whose records are API, agent state, memory documents or recorded effects. */
    private static final List<String> SCANNED = List.of("io.threadline.api", "io.threadline.examples", "io.threadline.memory",
            "io.threadline.effects");

    /** Records of the scanned packages that never meet Jackson, and why (by name: some are private). */
    private static final Map<String, String> NOT_SERIALISED = Map.ofEntries(
            Map.entry(Caller.class.getName(), "resolved from the request and the entry path, never read or written as JSON"),
            Map.entry(SubjectErasure.class.getName() + "$Report", "the erasure's result in process; EraseOperation.Reply is what is written"),
            Map.entry(SubjectErasure.class.getName() + "$Settings", "configuration, built from threadline.erase.*"),
            Map.entry(Operations.class.getName() + "$Handler", "an entry of the operation table (request type and action)"),
            Map.entry(MemoryQuery.class.getName(), "built by the step context from a node's recall call"),
            Map.entry(MemoryHit.class.getName(), "handed to nodes as objects; the OpenSearch store parses MemoryDocument, not hits"),
            Map.entry(MemoryRecord.class.getName(), "the store's object form; OpenSearch reads and writes MemoryDocument instead"),
            Map.entry(PutResult.class.getName(), "the answer of MemoryStore.put to its caller, in process"),
            Map.entry(MemoryPruneReport.class.getName(), "the answer of MemoryStore.prune to its caller, in process"),
            Map.entry(MemoryForgetReport.class.getName(),
                    "the answer of MemoryStore.forgetThread/forgetWhere to its caller, in process"),
            Map.entry(MemoryScoring.class.getName(), "configuration, built from threadline.memory.score.*"),
            Map.entry(MemorySettings.class.getName(), "configuration, built from threadline.memory.*"),
            Map.entry(MemoryLimits.class.getName(), "configuration, built from threadline.memory.max-*"),
            Map.entry(OpenSearchMemorySettings.class.getName(), "configuration, built from threadline.memory.opensearch.*"),
            Map.entry("io.threadline.memory.opensearch.AwsSigning", "configuration, built from threadline.memory.opensearch.signing-*"),
            Map.entry(Effect.class.getName(), "written and read as a JSON tree by hand (Effects), without reflection"),
            Map.entry(EffectError.class.getName(), "part of Effect's hand-built JSON tree (Effects)"),
            Map.entry("io.threadline.memory.opensearch.AccessTouches$Seen", "a search hit's id and version, kept in process to touch it"),
            Map.entry("io.threadline.memory.opensearch.OpenSearchMemoryStore$Candidate",
                    "a near-duplicate found in process; OpenSearch documents are MemoryDocument"),
            Map.entry("io.threadline.memory.opensearch.BulkPuts", "the OpenSearch store's batch writer (client, index, settings), in process"),
            Map.entry("io.threadline.memory.opensearch.BulkPuts$Item", "a write of a batch with its id and vector, in process"),
            Map.entry("io.threadline.memory.opensearch.BulkPuts$Run", "the writes of a batch that go in one bulk request, in process"),
            Map.entry("io.threadline.memory.opensearch.KnnSearches", "the OpenSearch store's k-NN searches (requests, index), in process"),
            Map.entry("io.threadline.memory.opensearch.KnnSearches$Answer", "one search's hits as read by hand with Jackson's streaming parser, in process"),
            Map.entry("io.threadline.memory.opensearch.KnnSearches$Hit", "a k-NN hit read by hand (its source is a registered MemoryDocument), in process"),
            Map.entry("io.threadline.memory.opensearch.WriterMarks", "the OpenSearch store's writer marks (requests, index), in process"),
            Map.entry("io.threadline.memory.opensearch.WriterMarks$Bumped", "the versions one bump of writer marks gave, in process"),
            Map.entry("io.threadline.memory.opensearch.MemoryIndexMaintenance$Compaction", "what compact started (a task id), in process"),
            Map.entry("io.threadline.memory.opensearch.BulkPuts$Written", "what one bulk run wrote (retries, creates, error), in process"),
            Map.entry("io.threadline.memory.opensearch.VersionedWrites$Versioned",
                    "a document with the version it was read at, in process; the body is MemoryDocument"),
            Map.entry("io.threadline.memory.opensearch.SignedTransport$KeepHttp",
                    "the signed transport's HTTP client (client and port), in process"),
            Map.entry(ToolBox.class.getName() + "$Binding", "a tool method bound in process; the tool classes themselves need "
                    + "registering in a native image (see ToolBox)"),
            Map.entry(RefundPolicy.class.getName(),
                    "configuration, built from threadline.approvals-agent.*"));

    /**
     * What NativeRegistrations registers, and what every other class of the application registers where it is
     * declared (an agent's state and tool types live with the agent, e.g. {@code ReferenceAgentBean}): the same
     * union {@code AgentNativeRegistrationTest} checks agents against ({@link NativeRegistrationCheck#registeredIn}).
     */
    private static Set<Class<?>> registered() {
        RegisterForReflection r = NativeRegistrations.class.getAnnotation(RegisterForReflection.class);
        assertThat(r).as("NativeRegistrations carries @RegisterForReflection").isNotNull();
        assertThat(r.classNames()).as("register by class literal, so a rename is a compile error").isEmpty();
        Set<Class<?>> out = new LinkedHashSet<>(List.of(r.targets()));
        out.addAll(NativeRegistrationCheck.registeredIn(NativeRegistrationCheck.classesOf(NativeRegistrations.class)));
        return out;
    }

    @Test
    void everyRecordOfTheScannedPackagesIsRegisteredOrKnownNeverToBeSerialised() throws Exception {
        Set<Class<?>> records = scannedRecords();
        assertThat(records).as("the scan sees the compiled classes").contains(Requests.Step.class, Replies.Step.class);
        Set<Class<?>> registered = registered();
        Set<String> missing = new TreeSet<>();
        for (Class<?> type : records) {
            if (!registered.contains(type) && !NOT_SERIALISED.containsKey(type.getName())) {
                missing.add(type.getName());
            }
        }
        assertThat(missing).as("records neither in NativeRegistrations nor in NOT_SERIALISED: register them "
                + "(a native image cannot bind them with Jackson otherwise) or list them with the reason they never "
                + "meet Jackson").isEmpty();
    }

    @Test
    void theExceptionsAreStillRecordsOfTheScannedPackagesAndNotRegistered() throws Exception {
        Set<String> records = new TreeSet<>();
        scannedRecords().forEach(type -> records.add(type.getName()));
        Set<String> registered = new TreeSet<>();
        registered().forEach(type -> registered.add(type.getName()));
        for (String type : NOT_SERIALISED.keySet()) {
            assertThat(records).as("stale NOT_SERIALISED entry").contains(type);
            assertThat(registered).as(type + " is both registered and listed as never serialised").doesNotContain(type);
        }
    }

    @Test
    void whatARegisteredTypeContainsIsRegisteredToo() {
        Set<Class<?>> registered = registered();
        Set<String> missing = new TreeSet<>();
        for (Class<?> type : registered) {
            for (Class<?> contained : threadlineTypesIn(type)) {
                if (!registered.contains(contained)) {
                    missing.add(contained.getName() + " (in " + type.getName() + ")");
                }
            }
        }
        assertThat(missing).as("types nested in registered records must be registered as well").isEmpty();
    }

    @Test
    void everyFunctionsParameterAndResultIsRegisteredOrJsonTree() {
        Set<Class<?>> registered = registered();
        Set<String> missing = new TreeSet<>();
        int functions = 0;
        for (Class<?> functionClass : List.of(ThreadFunctions.class, ApiGatewayFunction.class)) {
            for (Method m : functionClass.getDeclaredMethods()) {
                if (!m.isAnnotationPresent(Funq.class)) {
                    continue;
                }
                functions++;
                for (Class<?> type : List.of(m.getReturnType(), m.getParameterTypes()[0])) {
                    if (type.getName().startsWith("io.threadline.") && !registered.contains(type)) {
                        missing.add(m.getName() + ": " + type.getName());
                    }
                }
            }
        }
        assertThat(functions).as("the @Funq functions are found").isPositive();
        assertThat(missing).isEmpty();
    }

    /** Threadline types reachable from a record's components, through generics and arrays. */
    private static Set<Class<?>> threadlineTypesIn(Class<?> type) {
        Set<Class<?>> out = new LinkedHashSet<>();
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                NativeRegistrationCheck.classesIn(c.getGenericType()).stream()
                        .filter(t -> t.getName().startsWith("io.threadline.")).forEach(out::add);
            }
        }
        return out;
    }

    private static Set<Class<?>> scannedRecords() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(NativeRegistrations.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<Class<?>> records = new LinkedHashSet<>();
        for (String pkg : SCANNED) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(p -> p.toString().endsWith(".class")).toList();
            }
            for (Path file : files) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, NativeRegistrations.class.getClassLoader());
                if (type.isRecord()) {
                    records.add(type);
                }
            }
        }
        return records;
    }
}
