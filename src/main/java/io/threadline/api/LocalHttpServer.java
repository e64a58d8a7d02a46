package io.threadline.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.state.StateCodec;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP API for local runs and tests: {@code POST /step|/run|/state|/history}, answered by the
 * very function API Gateway invokes in AWS ({@link ApiGatewayFunction}), fed the proxy event API
 * Gateway would send, with the configured local tenant ({@code threadline.api.local-tenant}) as
 * the token's claim. Without a local tenant every call is {@code UNAUTHENTICATED}. In Lambda the
 * HTTP server is off ({@code QUARKUS_HTTP_HOST_ENABLED=false} in template.yaml).
 */
@ApplicationScoped
public class LocalHttpServer {

    @Inject
    ApiGatewayFunction api;

    @Inject
    ApiConfig config;

    @Inject
    StateCodec codec;

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failure);
        for (String operation : Operations.NAMES) {
            router.route("/" + operation)
                    .handler(BodyHandler.create().setBodyLimit(config.maxInputBytes() * 2L))
                    // Unordered: an ordered blocking handler runs the requests of one Vert.x context one after
                    // another, so under a stalled dependency the n-th concurrent caller waited n timeouts (four
                    // concurrent memory-searches of a frozen OpenSearch: 5.7, 5.7, 10.7, 10.7 s with a 5 s timeout).
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

    /** What the HTTP layer refuses before the API sees it (e.g. a body over the limit). */
    private void failure(RoutingContext rc) {
        ErrorCode code = rc.statusCode() == 413 ? ErrorCode.PAYLOAD_TOO_LARGE
                : rc.statusCode() == 404 || rc.statusCode() == 405 || rc.statusCode() == 400 ? ErrorCode.INVALID_INPUT
                : ErrorCode.INTERNAL;
        String message = switch (code) {
            case PAYLOAD_TOO_LARGE -> "the request body is too large";
            case INVALID_INPUT -> "no operation at " + rc.request().method() + " " + rc.request().path()
                    + "; operations are POST /step, /run, /state, /history";
            default -> "internal error; it has been logged";
        };
        String body;
        try {
            body = codec.mapper().writeValueAsString(new ErrorBody.Envelope(ErrorBody.of(code, message)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write an error answer", e);
        }
        rc.response().setStatusCode(rc.statusCode() > 0 ? rc.statusCode() : code.httpStatus())
                .putHeader("content-type", "application/json")
                .end(body);
    }

}
