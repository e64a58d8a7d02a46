package io.threadline.infra;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the ADOT collector layer is to a function: an OTLP/gRPC receiver on loopback, here a real gRPC server
 * with OpenTelemetry's own service definitions (opentelemetry-proto), keeping every export request it decodes.
 * The application is configured from template.yaml's telemetry variables (as the default deployment sets them),
 * with only the receiver's port changed: the template points at the collector's gRPC receiver, localhost:4317.
 */
public class OtlpCollectorStandIn implements QuarkusTestResourceLifecycleManager {

    static final List<ExportTraceServiceRequest> TRACES = new CopyOnWriteArrayList<>();
    static final List<ExportMetricsServiceRequest> METRICS = new CopyOnWriteArrayList<>();

    private Server server;

    @Override
    public Map<String, String> start() {
        Map<String, String> env = templateTelemetry();
        URI endpoint = URI.create(env.get("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT"));
        // The collector's receivers as its default configuration opens them: gRPC on 4317 (OTLP/HTTP on 4318).
        assertThat(endpoint.getHost() + ":" + endpoint.getPort()).isEqualTo("localhost:4317");
        assertThat(env.get("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL")).isEqualTo("grpc");
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new TraceServiceGrpc.TraceServiceImplBase() {
                        @Override
                        public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
                            TRACES.add(request);
                            response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                            response.onCompleted();
                        }
                    })
                    .addService(new MetricsServiceGrpc.MetricsServiceImplBase() {
                        @Override
                        public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> response) {
                            METRICS.add(request);
                            response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                            response.onCompleted();
                        }
                    })
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "quarkus.otel.exporter.otlp.protocol", env.get("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL"),
                "quarkus.otel.exporter.otlp.endpoint", endpoint.getScheme() + "://localhost:" + server.getPort(),
                "quarkus.otel.sdk.disabled", env.get("QUARKUS_OTEL_SDK_DISABLED"),
                "quarkus.otel.service.name", env.get("OTEL_SERVICE_NAME"),
                "quarkus.otel.propagators", env.get("OTEL_PROPAGATORS"),
                "threadline.telemetry.flush-timeout", env.get("THREADLINE_TELEMETRY_FLUSH_TIMEOUT"));
    }

    /** The environment every function gets with the template's default parameters. */
    static Map<String, String> templateTelemetry() {
        CfnEvaluation template = new CfnEvaluation(CfnTemplate.read(), Map.of());
        Map<String, String> env = new TreeMap<>();
        template.properties("StepNative").at("/Environment/Variables").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.shutdownNow();
        }
    }
}
