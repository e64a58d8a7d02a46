package io.threadline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.state.StateCodec;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The HTTP API for local runs and tests: {@code POST /<operation>} ({@link Operations#NAMES}), answered by the
 * very function API Gateway invokes in AWS ({@link ApiGatewayFunction}), fed the proxy event API
 * Gateway would send, with the configured local tenant ({@code threadline.api.local-tenant}) as
 * the token's claim. Without a local tenant every call is {@code UNAUTHENTICATED}. In Lambda the
 * HTTP server is off ({@code QUARKUS_HTTP_HOST_ENABLED=false} in template.yaml). {@link LocalHttpGuard} checks
 * every request first (Host, Origin, body size and type).
 */
@ApplicationScoped
public class LocalHttpServer {

    @Inject
    ApiGatewayFunction api;

    @Inject
    ApiConfig config;

    @Inject
    StateCodec codec;

    @Inject
    LocalHttpGuard guard;

    private static final Logger LOG = Logger.getLogger(LocalHttpServer.class);

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failure);
        // Before Quarkus's own body-size route (order -2), which would answer an empty 413.
        router.route().order(Integer.MIN_VALUE + 1).handler(guard::checkRequest);
        for (String operation : Operations.NAMES) {
            // Its own route, before the operation's: Vert.x puts a body handler ahead of any user handler of a route.
            router.route("/" + operation).handler(guard::requireJson);
            // Unordered: an ordered blocking handler runs one request at a time per event loop, so one slow
            // call (a frozen OpenSearch) held up every other request that landed on its loop — four concurrent
            // memory-searches of a frozen node answered after 5.7, 5.7, 10.7, 10.7 s with a 5 s timeout.
            router.route("/" + operation)
                    .handler(BodyHandler.create().setBodyLimit(guard.maxBodyBytes()))
                    .blockingHandler(this::handle, false);
        }
        router.route().order(Integer.MAX_VALUE).handler(rc -> rc.fail(404));
    }

    private void handle(RoutingContext rc) {
        ObjectNode event = codec.mapper().createObjectNode();
        event.put("version", "2.0");
        event.put("rawPath", rc.request().path());
        event.put("routeKey", rc.request().method() + " " + rc.request().path());
        ObjectNode context = event.putObject("requestContext");
        context.putObject("http").put("method", rc.request().method().name()).put("path", rc.request().path());
        ObjectNode claims = context.putObject("authorizer").putObject("jwt").putObject("claims");
        config.localTenant().ifPresent(tenant -> claims.put(config.tenantClaim(), tenant));
        String body = rc.body() == null ? null : rc.body().asString(StandardCharsets.UTF_8.name());
        event.put("body", body);
        event.put("isBase64Encoded", false);
        ApiGatewayFunction.HttpResponse response = api.http(event);
        rc.response().setStatusCode(response.statusCode());
        response.headers().forEach(rc.response()::putHeader);
        rc.response().end(response.body());
    }

    /**
     * What the HTTP layer refuses before the API sees it, in the API's error envelope: the guard's refusals
     * (their own code), a body over the limit, a path with no operation.
     */
    private void failure(RoutingContext rc) {
        ErrorBody error;
        int status;
        if (rc.failure() instanceof ThreadlineException e) {
            error = ErrorBody.of(e);
            status = e.code().httpStatus();
        } else {
            ErrorCode code = switch (rc.statusCode()) {
                case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
                case 404, 405 -> ErrorCode.UNKNOWN_OPERATION;
                case 400 -> ErrorCode.INVALID_INPUT;
                default -> ErrorCode.INTERNAL;
            };
            error = switch (code) {
                case PAYLOAD_TOO_LARGE -> new ErrorBody(code.name(), "the request body is larger than this server reads ("
                        + guard.maxBodyBytes() + " bytes); input is limited to threadline.api.max-input-bytes", Map.of());
                case UNKNOWN_OPERATION -> ErrorBody.of(Operations.unknownOperation(rc.request().method().name(), rc.request().path()));
                case INVALID_INPUT -> ErrorBody.of(code, "the request cannot be read as HTTP");
                default -> ErrorBody.of(code, "internal error; it has been logged");
            };
            if (code == ErrorCode.INTERNAL) {
                LOG.error("unexpected failure of a local HTTP request to " + rc.request().path(), rc.failure());
            }
            status = code.httpStatus();
        }
        String body;
        try {
            body = codec.mapper().writeValueAsString(new ErrorBody.Envelope(error));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an error answer", e);
        }
        rc.response().setStatusCode(status)
                .putHeader("content-type", "application/json")
                .end(body);
    }

}
