package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built Lambda package (target/function.zip, with its dependencies flattened at the root by
 * infra/package/FlattenFunctionZip.java) really runs as Lambda's java21 runtime runs it: unzipped as
 * /var/task would be, started by AWS's runtime interface client with template.yaml's handler, fed
 * invocations through a Runtime API served here. Two steps of one thread (in-memory store) must come
 * back as committed checkpoints, the second one the child of the first.
 */
class LambdaPackageBootIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HANDLER = "io.threadline.api.ThreadlineLambdaHandler::handleRequest";

    private static final BlockingQueue<byte[]> events = new LinkedBlockingQueue<>();
    private static final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private static final AtomicInteger requests = new AtomicInteger();
    private static HttpServer runtimeApi;
    private static Process function;
    private static Path log;

    @BeforeAll
    static void start() throws IOException {
        Path zip = Path.of(System.getProperty("threadline.lambda-package", "target/function.zip"));
        Path runtime = Path.of(System.getProperty("threadline.lambda-runtime", "target/lambda-runtime"));
        assertThat(runtime.resolve("aws-lambda-java-runtime-interface-client-2.9.0.jar"))
                .as("the runtime client's jars (mvn -f infra/lambda-runtime/pom.xml package)").exists();
        Path taskRoot = Path.of("target/lambda-boot/task");
        deleteTree(taskRoot);
        unzip(zip, taskRoot);

        runtimeApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        runtimeApi.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "runtime-api");
            t.setDaemon(true);
            return t;
        }));
        runtimeApi.createContext("/2018-06-01/runtime/", LambdaPackageBootIT::serve);
        runtimeApi.start();

        log = Path.of("target/lambda-boot/function.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m",
                "-cp", runtime.toAbsolutePath() + File.separator + "*",
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER)
                .directory(taskRoot.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtimeApi.getAddress().getPort());
        env.put("LAMBDA_TASK_ROOT", taskRoot.toAbsolutePath().toString());
        env.put("_HANDLER", HANDLER);
        env.put("AWS_LAMBDA_FUNCTION_NAME", "threadline-step");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        env.put("AWS_REGION", "us-east-1");
        env.put("QUARKUS_FUNQY_EXPORT", "step");
        env.put("QUARKUS_HTTP_HOST_ENABLED", "false");
        env.put("QUARKUS_OTEL_SDK_DISABLED", "true");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        env.put("THREADLINE_STORE", "memory");
        function = pb.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        // Killed, as Lambda ends an execution environment: the runtime client holds its next poll open.
        if (function != null) {
            function.destroyForcibly().waitFor();
        }
        if (runtimeApi != null) {
            runtimeApi.stop(0);
        }
    }

    @Test
    void itAnswersStepsOfOneThreadFromTheFlattenedPackage() throws Exception {
        JsonNode first = invoke(Map.of("tenant", "acme", "threadId", "boot-1", "idempotencyKey", "boot-1-turn-1",
                "input", Map.of("messages", List.of(Map.of("role", "user", "content", "what is 6 * 7")))));
        assertThat(first.has("error")).as("first answer: " + first).isFalse();
        String firstId = first.path("checkpoint").path("checkpointId").asText("");
        assertThat(firstId).as("first answer: " + first).isNotEmpty();

        JsonNode second = invoke(Map.of("tenant", "acme", "threadId", "boot-1", "idempotencyKey", "boot-1-turn-2", "input", Map.of()));
        assertThat(second.has("error")).as("second answer: " + second).isFalse();
        assertThat(second.path("checkpoint").path("parentId").asText()).as("second answer: " + second).isEqualTo(firstId);
        assertThat(second.path("checkpoint").path("step").asLong()).isEqualTo(first.path("checkpoint").path("step").asLong() + 1);
    }

    private static JsonNode invoke(Object event) throws Exception {
        events.put(JSON.writeValueAsBytes(event));
        String answer = answers.poll(90, TimeUnit.SECONDS);
        assertThat(answer).as("an answer from the function; its log " + log + ":\n" + tail()).isNotNull();
        return JSON.readTree(answer);
    }

    /** The runtime side of the Runtime API: hands out queued events, takes answers and errors back. */
    private static void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.endsWith("/invocation/next")) {
                byte[] event;
                try {
                    event = events.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", "req-" + requests.incrementAndGet());
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 60_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:000000000000:function:threadline-step");
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, event.length);
                exchange.getResponseBody().write(event);
            } else if (path.endsWith("/response") || path.endsWith("/error")) {
                String text = new String(body, StandardCharsets.UTF_8);
                answers.add(path.endsWith("/error") ? "{\"error\":" + JSON.writeValueAsString(text) + "}" : text);
                exchange.sendResponseHeaders(202, -1);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        }
    }

    private static String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void unzip(Path zip, Path to) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Path target = to.resolve(e.getName()).normalize();
                assertThat(target.startsWith(to)).as("entry inside the package: " + e.getName()).isTrue();
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            Files.createDirectories(root);
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Files.createDirectories(root);
    }
}
