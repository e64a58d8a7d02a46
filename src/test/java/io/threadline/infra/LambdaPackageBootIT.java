package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
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
 * invocations through a Runtime API served here. The direct {@code step} function answers two steps of
 * one thread (in-memory store) as committed checkpoints, the second the child of the first; the {@code http}
 * function answers API Gateway's events of {@code events/} (a step, then the thread's state).
 */
class LambdaPackageBootIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HANDLER = "io.threadline.api.ThreadlineLambdaHandler::handleRequest";
    private static final Path TASK_ROOT = Path.of("target/lambda-boot/task");

    @BeforeAll
    static void unzipThePackage() throws IOException {
        Path zip = Path.of(System.getProperty("threadline.lambda-package", "target/function.zip"));
        deleteTree(TASK_ROOT);
        unzip(zip, TASK_ROOT);
    }

    @Test
    void theStepFunctionAnswersStepsOfOneThread() throws Exception {
        try (Function step = new Function("step")) {
            JsonNode first = step.invoke(JSON.writeValueAsBytes(Map.of("tenant", "acme", "threadId", "boot-1",
                    "idempotencyKey", "boot-1-turn-1",
                    "input", Map.of("messages", List.of(Map.of("role", "user", "content", "what is 6 * 7"))))));
            assertThat(first.has("error")).as("first answer: " + first).isFalse();
            String firstId = first.path("checkpoint").path("checkpointId").asText("");
            assertThat(firstId).as("first answer: " + first).isNotEmpty();

            JsonNode second = step.invoke(JSON.writeValueAsBytes(Map.of("tenant", "acme", "threadId", "boot-1",
                    "idempotencyKey", "boot-1-turn-2", "input", Map.of())));
            assertThat(second.has("error")).as("second answer: " + second).isFalse();
            assertThat(second.path("checkpoint").path("parentId").asText()).as("second answer: " + second).isEqualTo(firstId);
            assertThat(second.path("checkpoint").path("step").asLong()).isEqualTo(first.path("checkpoint").path("step").asLong() + 1);
        }
    }

    @Test
    void theHttpFunctionAnswersApiGatewaysEvents() throws Exception {
        try (Function http = new Function("http")) {
            JsonNode stepped = http.invoke(Files.readAllBytes(Path.of("events/http-step.json")));
            assertThat(stepped.path("statusCode").asInt()).as("answer: " + stepped).isEqualTo(200);
            JsonNode step = JSON.readTree(stepped.path("body").asText());
            String checkpointId = step.path("checkpoint").path("checkpointId").asText("");
            assertThat(checkpointId).as("body: " + step).isNotEmpty();

            JsonNode state = http.invoke(Files.readAllBytes(Path.of("events/http-state.json")));
            assertThat(state.path("statusCode").asInt()).as("answer: " + state).isEqualTo(200);
            assertThat(JSON.readTree(state.path("body").asText()).path("checkpoint").path("checkpointId").asText())
                    .isEqualTo(checkpointId);
        }
    }

    /** One function process (one QUARKUS_FUNQY_EXPORT) and the Runtime API it polls. */
    private static final class Function implements AutoCloseable {
        private final BlockingQueue<byte[]> events = new LinkedBlockingQueue<>();
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final AtomicInteger requests = new AtomicInteger();
        private final HttpServer runtimeApi;
        private final Process process;
        private final Path log;

        Function(String export) throws IOException {
            Path runtime = Path.of(System.getProperty("threadline.lambda-runtime", "target/lambda-runtime"));
            assertThat(runtime.resolve("aws-lambda-java-runtime-interface-client-2.9.0.jar"))
                    .as("the runtime client's jars (mvn -f infra/lambda-runtime/pom.xml package)").exists();
            runtimeApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
            runtimeApi.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "runtime-api");
                t.setDaemon(true);
                return t;
            }));
            runtimeApi.createContext("/2018-06-01/runtime/", this::serve);
            runtimeApi.start();

            log = Path.of("target/lambda-boot/" + export + ".log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m",
                    "-cp", runtime.toAbsolutePath() + File.separator + "*",
                    "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER)
                    .directory(TASK_ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + runtimeApi.getAddress().getPort());
            env.put("LAMBDA_TASK_ROOT", TASK_ROOT.toAbsolutePath().toString());
            env.put("_HANDLER", HANDLER);
            env.put("AWS_LAMBDA_FUNCTION_NAME", "threadline-" + export);
            env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
            env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
            env.put("AWS_REGION", "us-east-1");
            env.put("QUARKUS_FUNQY_EXPORT", export);
            env.put("QUARKUS_HTTP_HOST_ENABLED", "false");
            env.put("QUARKUS_OTEL_SDK_DISABLED", "true");
            env.put("DISABLE_SIGNAL_HANDLERS", "true");
            env.put("THREADLINE_STORE", "memory");
            process = pb.start();
        }

        JsonNode invoke(byte[] event) throws Exception {
            events.put(event);
            String answer = answers.poll(90, TimeUnit.SECONDS);
            assertThat(answer).as("an answer from the function; its log " + log + ":\n" + tail()).isNotNull();
            return JSON.readTree(answer);
        }

        /** The runtime side of the Runtime API: hands out queued events, takes answers and errors back. */
        private void serve(HttpExchange exchange) throws IOException {
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
                            "arn:aws:lambda:us-east-1:000000000000:function:threadline");
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

        private String tail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        /** Killed, as Lambda ends an execution environment: the runtime client holds its next poll open. */
        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly().waitFor();
            runtimeApi.stop(0);
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
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Files.createDirectories(root);
    }
}
