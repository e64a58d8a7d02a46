package io.threadline.bench;

import io.opentelemetry.contrib.awsxray.AwsXrayIdGenerator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.threadline.bench.W1.W1State;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.threadline.telemetry.ThreadlineTelemetry;
import jakarta.validation.Validator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench/run W1 telemetry}: what telemetry costs a step. W1's graph and turns (user message, then
 * process, execute, respond) on the in-memory store — the cheapest step there is, so the overhead shows
 * at its largest relative size — with telemetry off ({@code RuntimeOptions.defaults()}) and on
 * ({@link ThreadlineTelemetry} on a real OpenTelemetry SDK as in production: X-Ray ids, a batch span
 * processor, a periodic metric reader, EMF lines formatted). The exporters count and discard: the
 * network send to the collector runs on the SDK's own background thread, not in the step.
 */
public final class W1Telemetry {

    static final int REPETITIONS = 3;
    static final int WARMUP_NODE_STEPS = 10_000;
    static final int CONVERSATIONS = 300;
    static final int TURNS = 10;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private W1Telemetry() {
    }

    /** Counts the spans the SDK would send, sends nothing. */
    static final class Discarding implements SpanExporter {
        final AtomicLong spans = new AtomicLong();

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAndGet(batch.size());
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    /** Takes the metrics the reader collects, sends nothing. */
    static final class DiscardingMetrics implements MetricExporter {
        @Override
        public CompletableResultCode export(Collection<MetricData> metrics) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return AggregationTemporality.CUMULATIVE;
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    /** OpenTelemetry as the application configures it (X-Ray ids, batch spans, periodic metrics), exporting nowhere. */
    static OpenTelemetrySdk productionLikeSdk() {
        return productionLikeSdk(new Discarding());
    }

    static OpenTelemetrySdk productionLikeSdk(Discarding exporter) {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setIdGenerator(AwsXrayIdGenerator.getInstance())
                        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build())
                .setMeterProvider(SdkMeterProvider.builder()
                        .registerMetricReader(PeriodicMetricReader.builder(new DiscardingMetrics()).setInterval(Duration.ofSeconds(10)).build()).build())
                .build();
    }

    record Block(String mode, double stepMicros, double cpuMicros, double stepsPerSecond, double spansPerStep) {}

    public static void main(String[] args) {
        BenchArgs.parseOrExit(args, new BenchArgs("W1 telemetry", "bench/run W1 telemetry (no options)")::read);
        Validator validator = W1.validator();
        StateCodec codec = new StateCodec();
        CompiledGraph<W1State> graph = W1.graph();
        Discarding exporter = new Discarding();
        AtomicLong emfBytes = new AtomicLong();
        OpenTelemetrySdk sdk = productionLikeSdk(exporter);
        ThreadlineTelemetry telemetry = ThreadlineTelemetry.of(sdk);
        RuntimeOptions[] modes = {RuntimeOptions.defaults(), RuntimeOptions.defaults().withObserver(telemetry),
                RuntimeOptions.defaults().withObserver(telemetry.withEmf("Threadline", "threadline", line -> emfBytes.addAndGet(line.length())))};
        String[] names = {"off", "on", "on+emf"};

        System.out.println("W1 telemetry overhead: W1 turns on the in-memory store, ThreadRuntime with Bean Validation, telemetry off vs on");
        System.out.println(Machine.describe());
        System.out.println("load average at start: " + loadAverage());
        System.out.printf("settings: %d repetitions, each %d conversations x %d turns (%d node steps) per mode on fresh threads, "
                        + "mode order rotated each repetition, warm-up %d node steps per mode; on = spans (X-Ray ids, batch processor, "
                        + "discarding exporter), metrics (periodic reader, 10 s), MDC; on+emf = on + one EMF line per step (formatted, discarded)%n",
                REPETITIONS, CONVERSATIONS, TURNS, CONVERSATIONS * TURNS * 3, WARMUP_NODE_STEPS);

        for (RuntimeOptions mode : modes) {
            block("warm-up", graph, validator, codec, mode, WARMUP_NODE_STEPS / (TURNS * 3), exporter, sdk);
        }
        List<List<Block>> results = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int rep = 0; rep < REPETITIONS; rep++) {
            for (int i = 0; i < modes.length; i++) {
                int m = (i + rep) % modes.length;
                Block b = block(names[m], graph, validator, codec, modes[m], CONVERSATIONS, exporter, sdk);
                results.get(m).add(b);
                System.out.printf(Locale.ROOT, "rep %d %-6s step %.1f us (median of turns / 3), cpu %.1f us, %.0f steps/s, %.1f spans/step%n",
                        rep + 1, b.mode(), b.stepMicros(), b.cpuMicros(), b.stepsPerSecond(), b.spansPerStep());
            }
        }
        double[] step = new double[3];
        double[] cpu = new double[3];
        System.out.println();
        System.out.println("| telemetry | step µs (median) | CPU µs (median) | node steps/s | spans/step | step overhead vs off |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (int m = 0; m < modes.length; m++) {
            List<Block> r = results.get(m);
            step[m] = median(r.stream().mapToDouble(Block::stepMicros).toArray());
            cpu[m] = median(r.stream().mapToDouble(Block::cpuMicros).toArray());
            double rate = median(r.stream().mapToDouble(Block::stepsPerSecond).toArray());
            double spans = median(r.stream().mapToDouble(Block::spansPerStep).toArray());
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.0f | %.1f | %s |%n", names[m], step[m], cpu[m], rate, spans,
                    m == 0 ? "—" : String.format(Locale.ROOT, "%+.1f µs (%+.0f %%)", step[m] - step[0], 100 * (step[m] - step[0]) / step[0]));
        }
        System.out.println("load average at end: " + loadAverage());
        for (int m = 0; m < modes.length; m++) {
            System.out.printf(Locale.ROOT, "RESULT w1.telemetry.%s.step_us %.1f%n", names[m], step[m]);
            System.out.printf(Locale.ROOT, "RESULT w1.telemetry.%s.cpu_us %.1f%n", names[m], cpu[m]);
        }
        System.out.printf(Locale.ROOT, "RESULT w1.telemetry.overhead_us %.1f%n", step[1] - step[0]);
        System.out.printf(Locale.ROOT, "RESULT w1.telemetry.overhead_emf_us %.1f%n", step[2] - step[0]);
        sdk.close();
    }

    private static Block block(String mode, CompiledGraph<W1State> graph, Validator validator, StateCodec codec, RuntimeOptions options,
                               int conversations, Discarding exporter, OpenTelemetrySdk sdk) {
        ThreadRuntime<W1State> rt = ThreadRuntime.builder(graph)
                .store(new InMemoryCheckpointStore())
                .validator(validator)
                .codec(codec)
                .options(options)
                .build();
        sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        long spansBefore = exporter.spans.get();
        double[] wall = new double[conversations * TURNS];
        double[] cpu = new double[conversations * TURNS];
        long start = System.nanoTime();
        int n = 0;
        for (int c = 0; c < conversations; c++) {
            ThreadKey thread = ThreadKey.of("bench", mode.replace("+", "_") + "-" + System.nanoTime() + "-" + c);
            for (int t = 0; t < TURNS; t++) {
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                W1.turn(rt, thread, t);
                wall[n] = (System.nanoTime() - t0) / 3e3;
                cpu[n] = (THREADS.getCurrentThreadCpuTime() - cpu0) / 3e3;
                n++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        long steps = (long) conversations * TURNS * 3;
        return new Block(mode, median(wall), median(cpu), steps / seconds, (exporter.spans.get() - spansBefore) / (double) steps);
    }

    static double median(double[] values) {
        return Machine.median(values);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
