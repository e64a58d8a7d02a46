package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the local HTTP server checks before any route answers, because a browser on the same machine is
 * a caller too: a page of another site can post to {@code 127.0.0.1} ({@code Origin} of that site, a
 * {@code text/plain} body needing no preflight), and a page whose name is rebound to 127.0.0.1 talks to
 * us under its own {@code Host}. So a request must name this server as its {@code Host} (a loopback name
 * on the server's port, or one of {@code threadline.api.local-allowed-hosts}), an {@code Origin}, when
 * sent, must be that same host, and an operation's body must be declared JSON. Bodies over the limit are
 * refused here too, by their {@code Content-Length}, before Quarkus's own limit
 * ({@code quarkus.http.limits.max-body-size}) would answer an empty 413. Every answer gets
 * {@code nosniff} and refuses framing; the inspector's page replaces the API's CSP with its own.
 */
@ApplicationScoped
public class LocalHttpGuard {

    /** The CSP of API answers (JSON): nothing may load from them, nothing may frame them. */
    static final String API_CSP = "default-src 'none'; frame-ancestors 'none'";

    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    @Inject
    ApiConfig config;

    /** The largest body the server reads: the operations' body limit (input plus the request's other fields). */
    long maxBodyBytes() {
        return config.maxInputBytes() * 2L;
    }

    /** First handler of every request: security headers, then Host, Origin and body size. */
    void checkRequest(RoutingContext rc) {
        rc.response().putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Content-Security-Policy", API_CSP);
        HttpServerRequest request = rc.request();
        String host = request.getHeader(HttpHeaders.HOST);
        if (host == null && request.authority() != null) {
            host = request.authority().toString(); // HTTP/2's :authority
        }
        if (host == null || !allowedHost(host, request.localAddress() == null ? -1 : request.localAddress().port())) {
            rc.fail(forbidden("this server answers only requests addressed to it: Host " + (host == null ? "is missing" : "'" + host + "' is not")
                    + " a loopback name on its port or one of threadline.api.local-allowed-hosts"));
            return;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !origin.equalsIgnoreCase(request.scheme() + "://" + host)) {
            rc.fail(forbidden("cross-origin requests are refused: Origin '" + origin + "' is not this server ("
                    + request.scheme() + "://" + host + ")"));
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLarge(length)) {
            closeAfterAnswer(rc);
            rc.fail(413);
            return;
        }
        rc.next();
    }

    /** Before an operation reads its body: a POST must declare JSON. */
    void requireJson(RoutingContext rc) {
        if (rc.request().method() == HttpMethod.POST) {
            String type = rc.request().getHeader(HttpHeaders.CONTENT_TYPE);
            String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!media.equals("application/json")) {
                closeAfterAnswer(rc);
                rc.fail(new ThreadlineException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the request body must be JSON, sent with "
                        + "Content-Type: application/json" + (type == null ? "; no Content-Type was given" : "; got '" + type + "'"),
                        Map.of("contentType", type == null ? "" : type)));
                return;
            }
        }
        rc.next();
    }

    /** Whether {@code host} (a Host header: name or name:port) names this server, listening on {@code port}. */
    boolean allowedHost(String host, int port) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        boolean hasPort = colon > h.lastIndexOf(']'); // "[::1]" has colons but no port
        String name = hasPort ? h.substring(0, colon) : h;
        int hostPort;
        try {
            hostPort = hasPort ? Integer.parseInt(h.substring(colon + 1)) : 80;
        } catch (NumberFormatException e) {
            return false;
        }
        if (LOOPBACK.contains(name) && hostPort == port) {
            return true;
        }
        for (String allowed : config.localAllowedHosts().orElse(List.of())) {
            String a = allowed.trim().toLowerCase(Locale.ROOT);
            boolean allowedHasPort = a.lastIndexOf(':') > a.lastIndexOf(']');
            if (allowedHasPort ? a.equals(name + ":" + hostPort) : a.equals(name) && hostPort == port) {
                return true;
            }
        }
        return false;
    }

    private boolean tooLarge(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes();
        } catch (NumberFormatException e) {
            return false; // Vert.x refuses a malformed length itself
        }
    }

    /**
     * For a refusal before the body is read: the connection closes once the answer is written, as Quarkus's
     * own limit does, rather than Vert.x reading (and dropping) the rest of a body it will never use.
     */
    private static void closeAfterAnswer(RoutingContext rc) {
        rc.response().putHeader(HttpHeaders.CONNECTION, "close")
                .endHandler(done -> rc.request().connection().close());
    }

    private static ThreadlineException forbidden(String message) {
        return new ThreadlineException(ErrorCode.FORBIDDEN, message, Map.of());
    }
}
