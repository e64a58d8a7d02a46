package io.threadline.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.langchain4j.data.segment.TextSegment;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.threadline.memory.WordEmbeddingModel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.threadline.testing.JsonAnswers.send;

/**
 * An OpenAI-compatible embeddings endpoint ({@code POST /v1/embeddings}) on a loopback port, for the real
 * quarkus-langchain4j OpenAI client to call: it embeds each input with {@link WordEmbeddingModel} (so word
 * overlap is similarity, as in the memory contract), records every request, and answers 500 while
 * {@link #failing} is set. Points {@code quarkus.langchain4j.openai.base-url} at itself.
 */
public class FakeOpenAiEmbeddings implements QuarkusTestResourceLifecycleManager {

    /** One request as received. */
    public record Request(String authorization, String model, List<String> inputs) {}

    public static final String API_KEY = "sk-test-threadline";
    public static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();
    public static volatile boolean failing;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final WordEmbeddingModel model = new WordEmbeddingModel();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the fake OpenAI endpoint", e);
        }
        server.createContext("/v1/embeddings", this::embeddings);
        server.start();
        return Map.of("quarkus.langchain4j.openai.base-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/",
                "quarkus.langchain4j.openai.api-key", API_KEY);
    }

    private void embeddings(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            JsonNode input = body.path("input");
            List<String> inputs = input.isArray() ? JSON.convertValue(input, JSON.getTypeFactory().constructCollectionType(List.class,
                    String.class)) : List.of(input.asText());
            REQUESTS.add(new Request(exchange.getRequestHeaders().getFirst("Authorization"), body.path("model").asText(), inputs));
            if (failing) {
                send(exchange, 500, "{\"error\":{\"message\":\"the model is overloaded\",\"type\":\"server_error\"}}");
                return;
            }
            ObjectNode answer = JSON.createObjectNode().put("object", "list").put("model", body.path("model").asText());
            ArrayNode data = answer.putArray("data");
            int tokens = 0;
            for (int i = 0; i < inputs.size(); i++) {
                ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
                ArrayNode vector = item.putArray("embedding");
                for (float x : model.embed(TextSegment.from(inputs.get(i))).content().vector()) {
                    vector.add(x);
                }
                tokens += inputs.get(i).split("\\s+").length;
            }
            answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            send(exchange, 200, JSON.writeValueAsString(answer));
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
