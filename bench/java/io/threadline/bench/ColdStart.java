package io.threadline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code bench/run coldstart dynamodb|opensearch}: fresh JVMs of the Lambda package, each started as Lambda's
 * java21 runtime starts a function, until its first step is committed to DynamoDB Local; and, when a native
 * package is given ({@code --native DIR}, its unzipped function.zip), fresh processes of its {@code bootstrap},
 * started as Lambda's provided.al2023 runtime starts one, in the same sitting, alternating with the JVM's.
 *
 * <p>The function is the unzipped target/function.zip (as Lambda lays out /var/task), run by AWS's runtime
 * interface client, which constructs template.yaml's handler {@code ThreadlineLambdaHandler} (that boots
 * Quarkus) and polls {@code AWS_LAMBDA_RUNTIME_API}: here a Runtime API served by this
 * class. (Quarkus's own poll loop runs only in native builds.) The server hands out one invocation — a
 * {@code step} request for a new thread — and records when the process first asks for work (init done)
 * and when the answer comes back (the step ran and committed). The commit is then checked in DynamoDB,
 * and the process's CPU time, heap and RSS read before it is killed.
 */
public final class ColdStart {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** USER_HZ of /proc/PID/stat: 100 on Linux x86-64 and arm64. */
    private static final double CLOCK_TICKS = 100;
    private static final String TENANT = "bench";
    private static final String TABLE = "threadline";
    /** The JVM functions' handler in template.yaml. */
    private static final String HANDLER = "io.threadline.api.ThreadlineLambdaHandler::handleRequest";
    /**
     * Environment of template.yaml's functions the benchmark applies as deployed. Not the telemetry export
     * settings: without the ADOT layer's collector here, a flush would wait for nothing.
     */
    private static final List<String> FROM_TEMPLATE = List.of("JAVA_TOOL_OPTIONS", "QUARKUS_LOG_CONSOLE_JSON_ENABLED",
            "THREADLINE_TELEMETRY_EMF_ENABLED", "QUARKUS_OTEL_INSTRUMENT_VERTX_HTTP", "QUARKUS_OTEL_INSTRUMENT_VERTX_EVENT_BUS",
            "QUARKUS_OTEL_INSTRUMENT_HTTP_SERVER_METRICS");

    private ColdStart() {
    }

    /** What the Runtime API saw of one process. */
    static final class Invocation {
        final String requestId;
        final byte[] event;
        final Runnable onHandOut;
        final CountDownLatch answered = new CountDownLatch(1);
        final CountDownLatch finished = new CountDownLatch(1);
        volatile long firstPollNanos;
        volatile long answerNanos;
        volatile String answer;
        volatile boolean failed;
        private boolean handedOut;

        Invocation(String requestId, byte[] event, Runnable onHandOut) {
            this.requestId = requestId;
            this.event = event;
            this.onHandOut = onHandOut;
        }

        synchronized boolean handOut() {
            if (handedOut) {
                return false;
            }
            handedOut = true;
            return true;
        }
    }

    record Sample(double initMs, double startedMs, double firstStepMs, double heapMb, double rssMb, double cpuMs, double classes,
                  String calls, int initRequests) {}

    /**
     * One package under test: the JVM one runs in AWS's runtime interface client as the java21 runtime does; the
     * native one is its own runtime ({@code bootstrap} in the task root, Quarkus's poll loop), as provided.al2023
     * runs it. Heap and loaded classes are JVM figures (jstat, jcmd): not read for the native process.
     */
    record Launch(String name, Path app, List<String> command, Map<String, String> env, boolean jvm) {}

    /** The command line's settings: bench/run's options, and those bench/run adds (--config, --opensearch, --native DIR). */
    record Options(Path app, Path runtime, int reps, String config, String opensearch, Path nativeApp, String jvmOpts) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("coldstart",
                    "bench/run coldstart dynamodb|opensearch [--reps N] [--jvm-opts \"...\"] [--native FUNCTION_ZIP]"
                            + " (bench/run passes --config dynamodb|opensearch [--opensearch URL] [--native DIR]; [--app DIR] [--runtime DIR])");
            var app = cli.option("--app", Path.of("target/coldstart/app"), "a folder", Path::of);
            var runtime = cli.option("--runtime", Path.of("target/lambda-runtime"), "a folder", Path::of);
            var reps = cli.intOption("--reps", 10);
            var config = cli.choiceOption("--config", "dynamodb", "dynamodb", "opensearch");
            // null: no memory store; else the node's URL
            var opensearch = cli.stringOption("--opensearch", null);
            // null: the JVM package alone; else an unzipped native function.zip
            var nativeApp = cli.option("--native", (Path) null, "a folder", Path::of);
            // Lambda's java21 start-up flags
            var jvmOpts = cli.stringOption("--jvm-opts",
                    "-XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xmx512m");
            cli.read(args);
            cli.refuseUnless(nativeApp.get() == null || Files.isExecutable(nativeApp.get().resolve("bootstrap")),
                    nativeApp.get() + " has no executable bootstrap: not an unzipped native function.zip");
            return new Options(app.get(), runtime.get(), reps.get(), config.get(), opensearch.get(), nativeApp.get(), jvmOpts.get());
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        List<String> jvmOpts = List.of(o.jvmOpts().trim().split("\\s+"));
        Path logs = Files.createDirectories(Path.of("target/coldstart/logs"));
        Map<String, String> fromTemplate = new LinkedHashMap<>();
        for (String variable : FROM_TEMPLATE) {
            fromTemplate.put(variable, templateVariable(Path.of("template.yaml"), variable));
        }

        System.out.println("cold start — " + Machine.describe() + "; load average " + loadAverage());
        System.out.println("settings: config " + o.config() + "; function " + o.app() + " (unzipped function.zip) run by AWS's Lambda Java "
                + "runtime interface client 2.9.0 with the handler of template.yaml's JVM functions, against a local Runtime API; "
                + "application JVM " + String.join(" ", jvmOpts) + " (Lambda's java21 start-up flags); from template.yaml "
                + fromTemplate.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))
                + "; " + o.reps()
                + " fresh processes after 1 discarded; first invocation: step of a new thread (reference agent, node process)"
                + (o.opensearch() == null ? "; memory none"
                : "; memory on OpenSearch " + o.opensearch() + " (index created by the discarded process, as a deploy would) with the "
                + "in-process MiniLM embedding model of profile local, loaded on first use — the Lambda package has no "
                + "in-process model and embeds through a hosted one")
                + "; function size " + String.format("%.1f", directorySize(o.app()) / 1048576.0) + " MB unzipped"
                + (o.nativeApp() == null ? "; no native package (bench/README.md: how to add one)"
                : "; native package " + o.nativeApp() + " (" + String.format("%.1f", directorySize(o.nativeApp()) / 1048576.0)
                + " MB unzipped, bootstrap of " + Files.getLastModifiedTime(o.nativeApp().resolve("bootstrap"))
                + ") run as provided.al2023 runs it, same environment but the JVM's, alternating with the JVM package"));

        int ddbPort = freePort();
        Process dynamo = startDynamoDbLocal(ddbPort, logs);
        DynamoDbClient client = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + ddbPort))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        // Deploy-time work (template.yaml's table): done once here, never by the application.
        DynamoDbTables.createIfMissing(client, TABLE);
        DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(TABLE), Clock.systemUTC());

        // The application reaches its services through counting proxies: the calls start-up makes are part of the result.
        Map<String, CountingProxy> proxies = new LinkedHashMap<>();
        proxies.put("DynamoDB", new CountingProxy(URI.create("http://127.0.0.1:" + ddbPort), CountingProxy::dynamoDbOperation));
        if (o.opensearch() != null) {
            proxies.put("OpenSearch", new CountingProxy(URI.create(o.opensearch()), CountingProxy::openSearchRequest));
        }
        AtomicReference<Invocation> current = new AtomicReference<>();
        HttpServer runtimeApi = runtimeApi(current);
        String runtimeApiAddress = "127.0.0.1:" + runtimeApi.getAddress().getPort();

        Map<String, String> env = new HashMap<>();
        // What Lambda sets for a function (a subset: the ones the runtime client and the SDK read).
        env.put("AWS_LAMBDA_RUNTIME_API", runtimeApiAddress);
        env.put("LAMBDA_TASK_ROOT", o.app().toAbsolutePath().toString());
        env.put("_HANDLER", HANDLER);
        env.put("AWS_LAMBDA_FUNCTION_NAME", "threadline-step");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/threadline-step");
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "bench");
        env.put("AWS_REGION", "us-east-1");
        // What template.yaml sets that changes how the function starts and logs: its JVM options, JSON logs, EMF.
        env.putAll(fromTemplate);
        env.put("QUARKUS_FUNQY_EXPORT", "step");
        env.put("QUARKUS_HTTP_HOST_ENABLED", "false");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        env.put("THREADLINE_STORE", "dynamodb");
        env.put("THREADLINE_DYNAMODB_TABLE", TABLE);
        env.put("QUARKUS_DYNAMODB_ENDPOINT_OVERRIDE", proxies.get("DynamoDB").address());
        env.put("QUARKUS_DYNAMODB_AWS_REGION", "us-east-1");
        env.put("QUARKUS_DYNAMODB_AWS_CREDENTIALS_TYPE", "static");
        env.put("QUARKUS_DYNAMODB_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID", "local");
        env.put("QUARKUS_DYNAMODB_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY", "local");
        if (o.opensearch() != null) {
            env.put("THREADLINE_MEMORY_STORE", "opensearch");
            env.put("THREADLINE_MEMORY_OPENSEARCH_URL", proxies.get("OpenSearch").address());
        }

        List<Launch> launches = new ArrayList<>();
        List<String> jvmCommand = new ArrayList<>();
        jvmCommand.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        jvmCommand.addAll(jvmOpts);
        jvmCommand.addAll(List.of("-cp", o.runtime().toAbsolutePath() + File.separator + "*",
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER));
        launches.add(new Launch("jvm", o.app(), jvmCommand, Map.of(), true));
        if (o.nativeApp() != null) {
            // provided.al2023 runs /var/task/bootstrap with the task root as working directory; no JVM options apply.
            Map<String, String> nativeEnv = new HashMap<>();
            nativeEnv.put("LAMBDA_TASK_ROOT", o.nativeApp().toAbsolutePath().toString());
            nativeEnv.put("_HANDLER", "not.used.by.a.custom.runtime");
            nativeEnv.put("JAVA_TOOL_OPTIONS", "");
            launches.add(new Launch("native", o.nativeApp(), List.of(o.nativeApp().toAbsolutePath().resolve("bootstrap").toString()), nativeEnv,
                    false));
        }
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        launches.forEach(l -> samples.put(l.name(), new ArrayList<>()));
        String row = "%-9s %-16s %10s %16s %14s %8s %10s %9s %9s%n";
        System.out.printf(row, "package", "rep", "init ms", "Quarkus up ms", "first step ms", "CPU ms", "heap MB", "RSS MB", "classes");
        try {
            // Alternating packages each repetition: what else the shared machine does weighs on both alike.
            for (int rep = 0; rep <= o.reps(); rep++) {
                for (Launch launch : launches) {
                    Sample s = once(rep, launch, env, current, proxies, store, logs);
                    printRow(row, launch.name(), rep == 0 ? "discarded" : Integer.toString(rep), s);
                    if (rep > 0) {
                        samples.get(launch.name()).add(s);
                    }
                }
            }
        } finally {
            runtimeApi.stop(0);
            proxies.values().forEach(CountingProxy::stop);
            client.close();
            dynamo.destroyForcibly();
        }
        System.out.println("load average after the runs: " + loadAverage());
        Map<String, Sample> medians = new LinkedHashMap<>();
        samples.forEach((name, list) -> medians.put(name, new Sample(median(list, Sample::initMs), median(list, Sample::startedMs),
                median(list, Sample::firstStepMs), median(list, Sample::heapMb), median(list, Sample::rssMb),
                median(list, Sample::cpuMs), median(list, Sample::classes), "", 0)));
        medians.forEach((name, median) -> printRow(row, name, "median", median));
        Sample m = medians.get("jvm");
        System.out.println("Times from process start. init → the first request for work: the JVM, the runtime client and the "
                + "handler's construction, which boots Quarkus (what a SnapStart snapshot would hold); Quarkus up → Quarkus's "
                + "\"started in\" log line; first step → the committed step's answer. CPU = the process's user + system CPU time at "
                + "the answer (all threads); heap = used heap after the first step (jstat); RSS = resident set then; classes = classes "
                + "loaded by then (jcmd PerfCounter.print: java.cls.loadedClasses).");
        medians.forEach((name, median) -> System.out.printf(
                "median split (%s): %.0f ms to Quarkus up, %.0f ms more to the first poll, %.0f ms for the first invocation%n",
                name, median.startedMs(), median.initMs() - median.startedMs(), median.firstStepMs() - median.initMs()));
        if (o.nativeApp() != null) {
            System.out.println("For the native process, heap and classes are not read (no jstat/jcmd); its RSS is the whole process.");
        }
        samples.forEach((name, list) -> {
            System.out.println("requests the application made (through counting proxies), " + name + " package, by repetition:");
            Map<String, List<Integer>> byCalls = new LinkedHashMap<>();
            for (int i = 0; i < list.size(); i++) {
                byCalls.computeIfAbsent(list.get(i).calls(), k -> new ArrayList<>()).add(i + 1);
            }
            byCalls.forEach((calls, which) -> System.out.print(" repetitions " + which + ":\n" + calls));
        });
        if (medians.containsKey("native")) {
            Sample n = medians.get("native");
            String nk = "coldstart." + o.config() + ".native";
            System.out.printf("RESULT %s.init_ms %.0f%n", nk, n.initMs());
            System.out.printf("RESULT %s.first_step_ms %.0f%n", nk, n.firstStepMs());
            System.out.printf("RESULT %s.quarkus_started_ms %.0f%n", nk, n.startedMs());
            System.out.printf("RESULT %s.invocation_ms %.0f%n", nk, n.firstStepMs() - n.initMs());
            System.out.printf("RESULT %s.cpu_ms %.0f%n", nk, n.cpuMs());
            System.out.printf("RESULT %s.rss_mb %.1f%n", nk, n.rssMb());
            System.out.printf("RESULT %s.init_requests_max %d%n", nk,
                    samples.get("native").stream().mapToInt(Sample::initRequests).max().orElse(0));
        }
        String key = "coldstart." + o.config();
        System.out.printf("RESULT %s.init_ms %.0f%n", key, m.initMs());
        System.out.printf("RESULT %s.first_step_ms %.0f%n", key, m.firstStepMs());
        System.out.printf("RESULT %s.quarkus_started_ms %.0f%n", key, m.startedMs());
        System.out.printf("RESULT %s.invocation_ms %.0f%n", key, m.firstStepMs() - m.initMs());
        System.out.printf("RESULT %s.cpu_ms %.0f%n", key, m.cpuMs());
        System.out.printf("RESULT %s.heap_mb %.1f%n", key, m.heapMb());
        System.out.printf("RESULT %s.rss_mb %.1f%n", key, m.rssMb());
        System.out.printf("RESULT %s.classes %.0f%n", key, m.classes());
        System.out.printf("RESULT %s.init_requests_max %d%n", key,
                samples.get("jvm").stream().mapToInt(Sample::initRequests).max().orElse(0));
        System.exit(0);
    }

    private static void printRow(String row, String pkg, String label, Sample s) {
        System.out.printf(row, pkg, label, fmt(s.initMs(), "%.0f"), fmt(s.startedMs(), "%.0f"), fmt(s.firstStepMs(), "%.0f"),
                fmt(s.cpuMs(), "%.0f"), fmt(s.heapMb(), "%.1f"), fmt(s.rssMb(), "%.1f"), fmt(s.classes(), "%.0f"));
    }

    private static String fmt(double value, String format) {
        return Double.isNaN(value) ? "-" : String.format(format, value);
    }

    private static Sample once(int rep, Launch launch, Map<String, String> env, AtomicReference<Invocation> current,
                               Map<String, CountingProxy> proxies, DynamoDbCheckpointStore store, Path logs) throws Exception {
        String threadId = "cold-" + launch.name() + "-" + rep + "-" + System.currentTimeMillis();
        byte[] event = JSON.writeValueAsBytes(Map.of("tenant", TENANT, "threadId", threadId,
                "input", Map.of("messages", List.of(Map.of("role", "user", "content", "what is 6 * 7")))));
        proxies.values().forEach(CountingProxy::reset);
        Invocation inv = new Invocation("req-" + launch.name() + "-" + rep, event, () -> proxies.values().forEach(CountingProxy::invoked));
        current.set(inv);
        Path log = logs.resolve("app-" + launch.name() + "-" + rep + ".log");

        // Both runtimes take the working directory as the task root (/var/task on Lambda).
        ProcessBuilder pb = new ProcessBuilder(launch.command()).directory(launch.app().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toAbsolutePath().toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(launch.env());
        pb.environment().values().removeIf(String::isEmpty);

        long startWallMs = System.currentTimeMillis();
        long start = System.nanoTime();
        Process process = pb.start();
        try {
            if (!inv.answered.await(120, TimeUnit.SECONDS) || inv.failed) {
                throw new IllegalStateException("no answer from the " + launch.name() + " package (" + (inv.failed ? "it reported an error"
                        : "timeout") + "); see " + log + (inv.answer == null ? "" : ": " + inv.answer));
            }
            double cpuMs = cpuMs(process.pid());
            Sample memory = launch.jvm() ? memory(process.pid()) : new Sample(0, 0, 0, Double.NaN, rssMb(process.pid()), 0, Double.NaN, "", 0);
            JsonNode answer = JSON.readTree(inv.answer);
            String checkpointId = answer.path("checkpoint").path("checkpointId").asText(null);
            if (answer.has("error") || checkpointId == null) {
                throw new IllegalStateException("the step failed: " + inv.answer);
            }
            Optional<ThreadHead> head = store.head(new ThreadKey(TENANT, threadId));
            if (head.isEmpty() || !head.get().checkpointId().value().equals(checkpointId)) {
                throw new IllegalStateException("the answered checkpoint " + checkpointId + " is not the thread's head in DynamoDB: " + head);
            }
            double init = (inv.firstPollNanos - start) / 1e6;
            double firstStep = (inv.answerNanos - start) / 1e6;
            double started = quarkusStartedAt(log) - startWallMs;
            StringBuilder calls = new StringBuilder();
            for (Map.Entry<String, CountingProxy> p : proxies.entrySet()) {
                calls.append(String.format("  %-10s during init: %s%n  %-10s during the first invocation: %s%n", p.getKey(),
                        p.getValue().summary("init"), p.getKey(), p.getValue().summary("invocation")));
            }
            int initRequests = proxies.values().stream().mapToInt(p -> p.total("init")).sum();
            return new Sample(init, started, firstStep, memory.heapMb(), memory.rssMb(), cpuMs, memory.classes(), calls.toString(),
                    initRequests);
        } finally {
            // Killed, as Lambda ends an execution environment, before its held poll is released: the runtime
            // client's native HTTP client crashes on a stop or an answer it does not expect there.
            process.destroyForcibly().waitFor();
            inv.finished.countDown();
        }
    }

    /** A function environment variable's value in template.yaml (Globals), so the benchmark runs what is deployed. */
    static String templateVariable(Path template, String name) throws IOException {
        for (String line : Files.readAllLines(template)) {
            String t = line.trim();
            if (t.startsWith(name + ":")) {
                return t.substring(name.length() + 1).trim().replaceAll("^\"|\"$", "");
            }
        }
        throw new IllegalStateException(template + " sets no " + name);
    }

    /**
     * When Quarkus logged "started in", from its log line's timestamp (millisecond resolution): a JSON line as
     * template.yaml's functions log, or the plain console format of application.properties (local time).
     */
    private static long quarkusStartedAt(Path log) throws IOException {
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{") && line.contains(" started in ")) {
                JsonNode entry = JSON.readTree(line);
                if ("io.quarkus".equals(entry.path("loggerName").asText())) {
                    return OffsetDateTime.parse(entry.path("timestamp").asText(),
                            DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
                }
            }
            if (line.contains("[io.quarkus]") && line.contains(" started in ")) {
                LocalDateTime at = LocalDateTime.parse(line.substring(0, 23),
                        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS"));
                return at.atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            }
        }
        throw new IllegalStateException("no \"started in\" line in " + log);
    }

    /**
     * CPU time (user + system, all threads) the process has used: unlike wall time, it hardly depends on what
     * else the shared machine runs. Read right after the answer, before jstat attaches.
     */
    private static double cpuMs(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command name: indexes 11 and 12.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / CLOCK_TICKS;
    }

    /** Resident set of a process, in MB (/proc). */
    private static double rssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("/proc/" + pid + "/status has no VmRSS");
    }

    /** Used heap (jstat: survivors + eden + old) and resident set of a running JVM, in MB. */
    private static Sample memory(long pid) throws IOException, InterruptedException {
        double rssMb = rssMb(pid);
        Process jstat = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                Long.toString(pid)).redirectErrorStream(true).start();
        String out = new String(jstat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jstat.waitFor();
        String[] lines = out.trim().split("\n");
        if (lines.length < 2) {
            throw new IllegalStateException("jstat -gc " + pid + " answered: " + out);
        }
        List<String> names = Arrays.asList(lines[0].trim().split("\\s+"));
        String[] values = lines[1].trim().split("\\s+");
        double heapKb = 0;
        for (String column : List.of("S0U", "S1U", "EU", "OU")) {
            heapKb += Double.parseDouble(values[names.indexOf(column)]);
        }
        return new Sample(0, 0, 0, heapKb / 1024, rssMb, 0, loadedClasses(pid), "", 0);
    }

    /** How many classes the JVM has loaded (its perf counter java.cls.loadedClasses, read with jcmd). */
    private static double loadedClasses(long pid) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid),
                "PerfCounter.print").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        for (String line : out.split("\n")) {
            if (line.startsWith("java.cls.loadedClasses=")) {
                return Double.parseDouble(line.substring("java.cls.loadedClasses=".length()).trim());
            }
        }
        throw new IllegalStateException("jcmd " + pid + " PerfCounter.print has no java.cls.loadedClasses: " + out);
    }

    /** The runtime side of the Lambda Runtime API, as a custom runtime sees it. */
    private static HttpServer runtimeApi(AtomicReference<Invocation> current) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "runtime-api");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/2018-06-01/runtime/", exchange -> {
            try (exchange) {
                long now = System.nanoTime();
                String path = exchange.getRequestURI().getPath();
                Invocation inv = current.get();
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (path.endsWith("/invocation/next")) {
                    next(exchange, inv, now);
                } else if (path.endsWith("/response") && path.contains(inv.requestId)) {
                    inv.answer = new String(body, StandardCharsets.UTF_8);
                    inv.answerNanos = System.nanoTime();
                    exchange.sendResponseHeaders(202, -1);
                    inv.answered.countDown();
                } else if (path.endsWith("/error")) {
                    inv.answer = new String(body, StandardCharsets.UTF_8);
                    inv.failed = true;
                    exchange.sendResponseHeaders(202, -1);
                    inv.answered.countDown();
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            }
        });
        server.start();
        return server;
    }

    private static void next(HttpExchange exchange, Invocation inv, long now) throws IOException {
        if (!inv.handOut()) {
            // One invocation per process: later polls wait, as on Lambda, until the process is stopped.
            try {
                inv.finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(410, -1);
            return;
        }
        inv.firstPollNanos = now;
        inv.onHandOut.run();
        exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", inv.requestId);
        exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 30_000));
        exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:000000000000:function:threadline-step");
        exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, inv.event.length);
        exchange.getResponseBody().write(inv.event);
    }

    private static Process startDynamoDbLocal(int port, Path logs) throws IOException, InterruptedException {
        Path lib = Path.of("target/dynamodb-local/lib");
        Process server = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", lib.toAbsolutePath() + File.separator + "*",
                "io.threadline.infra.dynamodblocal.LoopbackServerRunner", "-inMemory", "-port", Integer.toString(port),
                "-disableTelemetry")).redirectErrorStream(true).redirectOutput(logs.resolve("dynamodb-local.log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroyForcibly));
        for (int i = 0; i < 600; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return server;
            } catch (IOException e) {
                if (!server.isAlive()) {
                    throw new IllegalStateException("DynamoDB Local exited; see " + logs.resolve("dynamodb-local.log"));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("DynamoDB Local did not start");
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** The machine is shared: the 1-minute load average says how much else ran beside the measurement. */
    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double median(List<Sample> samples, ToDoubleFunction<Sample> f) {
        return Machine.median(samples.stream().mapToDouble(f).toArray());
    }
}
