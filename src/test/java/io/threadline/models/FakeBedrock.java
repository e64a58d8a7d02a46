package io.threadline.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.threadline.testing.JsonAnswers.send;

/**
 * Amazon Bedrock's runtime API on a loopback port, as AWS documents its wire format, for the real langchain4j
 * Bedrock clients to call through {@code threadline.bedrock.endpoint-override}:
 * <ul>
 *   <li>{@code POST /model/{modelId}/converse} — the Converse API: answers a {@code toolUse} of {@code calculator}
 *       when the last user turn asks for arithmetic and carries no tool result, else a text answer that quotes the
 *       tool result it was given;</li>
 *   <li>{@code POST /model/{modelId}/invoke} — InvokeModel with Titan's body ({@code inputText}, {@code dimensions}):
 *       a bag-of-words vector of the asked dimension, so word overlap is similarity; or with Cohere Embed v3's
 *       ({@code texts}, {@code input_type}): one 1024-dimension vector per text under {@code embeddings.float}.</li>
 * </ul>
 * While {@link #throttling} is set, every call answers HTTP 429 {@code ThrottlingException} as Bedrock does.
 * Every request is recorded. Static test credentials are set as the SDK's system properties while it runs.
 */
public class FakeBedrock implements QuarkusTestResourceLifecycleManager {

    /** One request as received: the decoded path, its Authorization header and its JSON body. */
    public record Request(String path, String authorization, JsonNode body) {}

    /** Cohere Embed (v3) on Bedrock: most texts in one InvokeModel call; more is a ValidationException. */
    public static final int COHERE_MAX_TEXTS = 96;

    public static final String ACCESS_KEY = "AKIDTHREADLINETEST";
    public static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();
    public static volatile boolean throttling;
    /** When set, Converse answers 400 ValidationException (a refusal: not retried, not a passing failure). */
    public static volatile boolean refusing;

    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private String accessKey;
    private String secretKey;

    @Override
    public Map<String, String> start() {
        accessKey = System.getProperty("aws.accessKeyId");
        secretKey = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", "threadline-test-secret");
        server = start(this::answer);
        return Map.of("threadline.bedrock.endpoint-override", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    static HttpServer start(HttpHandler handler) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            s.createContext("/", handler);
            s.start();
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the fake Bedrock endpoint", e);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            REQUESTS.add(new Request(path, exchange.getRequestHeaders().getFirst("Authorization"), body));
            if (throttling) {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/");
                send(exchange, 429, "{\"message\":\"Too many requests, please wait before trying again.\"}");
            } else if (path.endsWith("/converse") && refusing) {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
                send(exchange, 400, "{\"message\":\"The model returned the following errors: malformed input request\"}");
            } else if (path.endsWith("/converse")) {
                send(exchange, 200, JSON.writeValueAsString(converse(body)));
            } else if (path.endsWith("/invoke") && (body.path("texts").size() > COHERE_MAX_TEXTS || body.has("inputText")
                    && !body.path("inputText").isTextual())) {
                // Bedrock's own refusals: Cohere Embed takes at most 96 texts a call, Titan one text (a string) a call.
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
                send(exchange, 400, "{\"message\":\"Malformed input request: #/texts: expected maximum item count: " + COHERE_MAX_TEXTS
                        + ", found: " + body.path("texts").size() + ", please reformat your input and try again.\"}");
            } else if (path.endsWith("/invoke") && body.has("texts")) {
                send(exchange, 200, JSON.writeValueAsString(cohereEmbeddings(body)));
            } else if (path.endsWith("/invoke")) {
                send(exchange, 200, JSON.writeValueAsString(embedding(body)));
            } else {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "UnknownOperationException");
                send(exchange, 404, "{\"message\":\"no such operation\"}");
            }
        }
    }

    private static ObjectNode converse(JsonNode request) {
        JsonNode last = request.path("messages").get(request.path("messages").size() - 1);
        String toolResult = null;
        String text = "";
        for (JsonNode block : last.path("content")) {
            if (block.has("toolResult")) {
                toolResult = block.path("toolResult").path("content").path(0).path("text").asText();
            }
            if (block.has("text")) {
                text = block.path("text").asText();
            }
        }
        ObjectNode answer = JSON.createObjectNode();
        ObjectNode message = answer.putObject("output").putObject("message").put("role", "assistant");
        ArrayNode content = message.putArray("content");
        Matcher arithmetic = Pattern.compile("\\d+\\s*[*x+/-]\\s*\\d+").matcher(text);
        if (toolResult == null && arithmetic.find()) {
            ObjectNode use = content.addObject().putObject("toolUse").put("toolUseId", "tooluse_threadline_1").put("name", "calculator");
            use.putObject("input").put("expression", arithmetic.group());
            answer.put("stopReason", "tool_use");
        } else {
            content.addObject().put("text", toolResult != null ? "The result is " + toolResult + "." : "Hello from Bedrock.");
            answer.put("stopReason", "end_turn");
        }
        answer.putObject("usage").put("inputTokens", 42).put("outputTokens", 7).put("totalTokens", 49);
        answer.putObject("metrics").put("latencyMs", 12);
        return answer;
    }

    private static ObjectNode embedding(JsonNode request) {
        ObjectNode answer = JSON.createObjectNode();
        words(answer.putArray("embedding"), request.path("inputText").asText(), request.path("dimensions").asInt(1024));
        answer.put("inputTextTokenCount", request.path("inputText").asText().split("\\s+").length);
        return answer;
    }

    /** Cohere Embed v3's InvokeModel answer: one 1024-dimension vector per text, under the asked embedding type. */
    private static ObjectNode cohereEmbeddings(JsonNode request) {
        ObjectNode answer = JSON.createObjectNode().put("id", "emb-threadline").put("response_type", "embeddings_by_type");
        ArrayNode floats = answer.putObject("embeddings").putArray("float");
        for (JsonNode text : request.path("texts")) {
            words(floats.addArray(), text.asText(), 1024);
        }
        answer.set("texts", request.path("texts"));
        return answer;
    }

    /** A bag-of-words vector: word overlap is similarity. */
    private static void words(ArrayNode vector, String text, int dimension) {
        float[] v = new float[dimension];
        for (String word : text.toLowerCase(Locale.ROOT).split("\\W+")) {
            if (!word.isEmpty()) {
                v[Math.floorMod(word.hashCode(), dimension)] += 1;
            }
        }
        for (float x : v) {
            vector.add(x);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        restore("aws.accessKeyId", accessKey);
        restore("aws.secretAccessKey", secretKey);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
