package io.threadline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.config.Agents;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.GraphEdge;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The thread inspector's server side, on the local HTTP server next to the API. The page
 * ({@code /inspector/}: plain HTML, CSS and JavaScript from the classpath's {@code inspector/}, nothing
 * from a CDN) reads threads through the API's own operations ({@code history}, {@code state},
 * {@code replay}, {@code fork}, {@code resume}), so it sees exactly what the caller's tenant may see. What the API has
 * no operation for is the deployment's graph; {@code GET /inspector/graph} answers it as nodes, edges
 * and the Mermaid text ({@code ?highlight=a,b} marks nodes, e.g. those scheduled next). The graph holds
 * no tenant data, but it is refused like every operation when the server has no local tenant, so an
 * unauthenticated server shows nothing at all.
 */
@ApplicationScoped
public class InspectorRoutes {

    @Inject
    Agents agents;

    @Inject
    ApiConfig config;

    @Inject
    StateCodec codec;

    /**
     * The page's files and their types: a fixed list served by these routes rather than Quarkus static
     * resources ({@code META-INF/resources}), so nothing else of the classpath is ever served and the page
     * does not depend on how Quarkus's static route is ordered against {@link LocalHttpServer}'s
     * catch-all 404.
     */
    private static final Map<String, String> ASSETS = Map.of("index.html", "text/html; charset=utf-8",
            "inspector.js", "text/javascript; charset=utf-8", "inspector.css", "text/css; charset=utf-8");

    /**
     * The page's Content-Security-Policy: its own files only (no inline script or style, nothing from
     * elsewhere), fetches to this server only, never framed. {@link LocalHttpGuard} has already set
     * {@code nosniff} and {@code X-Frame-Options: DENY}.
     */
    static final String PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();

    void routes(@Observes Router router) {
        router.get("/inspector/graph").handler(this::graph);
        router.get("/inspector/agents").handler(this::agents);
        // Vert.x matches "/inspector" and "/inspector/" alike; without the slash the page's relative asset
        // links would resolve against "/", so that one is redirected.
        router.get("/inspector").blockingHandler(rc -> {
            if (rc.request().path().endsWith("/")) {
                asset(rc, "index.html");
            } else {
                rc.redirect("/inspector/");
            }
        }, false);
        router.get("/inspector/:file").blockingHandler(rc -> asset(rc, rc.pathParam("file")), false);
    }

    private void asset(RoutingContext rc, String name) {
        String type = ASSETS.get(name);
        if (type == null) {
            rc.next(); // not a file of the page: the API's 404
            return;
        }
        byte[] body = assets.computeIfAbsent(name, InspectorRoutes::read);
        rc.response().putHeader("content-type", type).putHeader("cache-control", "no-cache")
                .putHeader("Content-Security-Policy", PAGE_CSP).end(Buffer.buffer(body));
    }

    private static byte[] read(String name) {
        try (InputStream in = InspectorRoutes.class.getClassLoader().getResourceAsStream("inspector/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the inspector's " + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the inspector's " + name, e);
        }
    }

    private void graph(RoutingContext rc) {
        if (refusedWithoutTenant(rc)) {
            return;
        }
        List<String> highlight = rc.queryParam("highlight").stream()
                .flatMap(v -> Arrays.stream(v.split(","))).map(String::trim).filter(s -> !s.isEmpty()).toList();
        String agent = rc.queryParam("agent").stream().filter(a -> !a.isEmpty()).findFirst().orElse(null);
        ThreadRuntime<?> runtime;
        try {
            runtime = agents.runtime(agent);
        } catch (ThreadlineException e) {
            answer(rc, e.code().httpStatus(), new ErrorBody.Envelope(ErrorBody.of(e)));
            return;
        }
        answer(rc, 200, describe(runtime.graph(), highlight));
    }

    /** The agents served, for the page's agent choice: name and description of each, and the default. */
    private void agents(RoutingContext rc) {
        if (refusedWithoutTenant(rc)) {
            return;
        }
        ObjectNode out = codec.mapper().createObjectNode();
        ArrayNode list = out.putArray("agents");
        agents.descriptions().forEach((name, description) -> list.addObject().put("name", name).put("description", description));
        agents.defaultAgent().ifPresentOrElse(d -> out.put("default", d), () -> out.putNull("default"));
        answer(rc, 200, out);
    }

    private boolean refusedWithoutTenant(RoutingContext rc) {
        if (config.localTenant().isPresent()) {
            return false;
        }
        answer(rc, ErrorCode.UNAUTHENTICATED.httpStatus(), new ErrorBody.Envelope(ErrorBody.of(ErrorCode.UNAUTHENTICATED,
                "this server has no local tenant (threadline.api.local-tenant); the inspector is for local runs")));
        return true;
    }

    /** The graph as the page draws it; the Mermaid text is there to copy into any Mermaid renderer. */
    ObjectNode describe(CompiledGraph<?> graph, List<String> highlight) {
        ObjectNode out = codec.mapper().createObjectNode();
        ArrayNode nodes = out.putArray("nodes");
        graph.nodeNames().forEach(nodes::add);
        ArrayNode edges = out.putArray("edges");
        for (GraphEdge e : graph.edges()) {
            ObjectNode edge = edges.addObject().put("from", e.from()).put("to", e.to()).put("conditional", e.conditional());
            if (e.label() != null) {
                edge.put("label", e.label());
            }
        }
        ArrayNode highlighted = out.putArray("highlighted");
        highlight.stream().filter(graph.nodeNames()::contains).forEach(highlighted::add);
        out.put("mermaid", graph.toMermaid(highlight));
        return out;
    }

    private void answer(RoutingContext rc, int status, Object body) {
        try {
            rc.response().setStatusCode(status).putHeader("content-type", "application/json")
                    .end(codec.mapper().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the inspector's graph", e);
        }
    }
}
