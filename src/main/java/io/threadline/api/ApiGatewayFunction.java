package io.threadline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.funqy.Funq;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.state.StateCodec;
import io.threadline.telemetry.Traced;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operations behind API Gateway (HTTP API, payload format 2.0): one Funqy function that takes
 * the raw proxy event, routes {@code POST /<operation>} ({@link Operations#NAMES}), takes the tenant from the
 * JWT claims API Gateway's authorizer verified, and answers a proxy response with the error code's
 * status. Deployed with {@code QUARKUS_FUNQY_EXPORT=http}.
 *
 * <p>Why not quarkus-amazon-lambda-http: with Funqy's Lambda binding in the same artifact both start
 * a Lambda poll loop (seen in tests: events reach the wrong one), so the direct functions and the
 * HTTP API could not share one artifact. This adapter is small and keeps one artifact, one binding.
 */
@ApplicationScoped
@Traced
public class ApiGatewayFunction {

    private static final Logger LOG = Logger.getLogger(ApiGatewayFunction.class);

    @Inject
    Operations operations;

    @Inject
    Callers callers;

    @Inject
    StateCodec codec;

    /** A proxy response in API Gateway's payload format 2.0. */
    public record HttpResponse(int statusCode, Map<String, String> headers, String body) {}

    @Funq("http")
    public HttpResponse http(JsonNode event) {
        try {
            String operation = operation(event);
            JsonNode body = body(event);
            Map<String, String> claims = claims(event);
            Object reply = operations.handle(operation, body, field -> callers.apiGateway(claims, field));
            return respond(200, reply);
        } catch (ThreadlineException e) {
            return respond(e.code().httpStatus(), new ErrorBody.Envelope(ErrorBody.of(e)));
        } catch (RuntimeException e) {
            LOG.error("unexpected failure of an API Gateway request", e);
            return respond(500, new ErrorBody.Envelope(ErrorBody.of(ErrorCode.INTERNAL, "internal error; it has been logged")));
        }
    }

    private static String operation(JsonNode event) {
        String method = event.path("requestContext").path("http").path("method").asText("");
        String path = event.path("rawPath").asText("");
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (!Operations.NAMES.contains(name)) {
            throw Operations.unknownOperation(method, path);
        }
        if (!"POST".equalsIgnoreCase(method)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "use POST with a JSON body for /" + name, Map.of("method", method));
        }
        return name;
    }

    private JsonNode body(JsonNode event) {
        String raw = event.path("body").asText(null);
        if (raw == null || raw.isBlank()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "the request needs a JSON body", Map.of());
        }
        if (event.path("isBase64Encoded").asBoolean(false)) {
            raw = new String(Base64.getDecoder().decode(raw), StandardCharsets.UTF_8);
        }
        try {
            return codec.mapper().readTree(raw);
        } catch (JsonProcessingException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "the request body is not valid JSON: " + e.getOriginalMessage(), Map.of());
        }
    }

    private static Map<String, String> claims(JsonNode event) {
        JsonNode claims = event.path("requestContext").path("authorizer").path("jwt").path("claims");
        Map<String, String> out = new LinkedHashMap<>();
        claims.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private HttpResponse respond(int status, Object body) {
        ObjectMapper mapper = codec.mapper();
        try {
            return new HttpResponse(status, Map.of("content-type", "application/json"), mapper.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the response", e);
        }
    }
}
