package io.threadline.bench;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.Counter;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.Run;
import io.threadline.runs.RunHarness;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.runs.sqs.RunQueues;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.Update;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench/run background}: a run of N steps (the background-run tests' counting graph, {@code Counter}, on their
 * {@code RunHarness}; no model: what is measured is the machinery) on DynamoDB Local, in one invocation ({@code run}) and in the background through ElasticMQ's FIFO
 * queue (start → advance per message, the local poller standing in for Lambda's event source mapping). Per-step
 * latency is the time between consecutive commits (checkpoint {@code createdAt}); the queue's added latency per
 * step is the background's p50/p95 less the in-invocation run's.
 */
public final class Background {

    public static void main(String[] args) throws Exception {
        BenchArgs cli = new BenchArgs("background dynamodb", "bench/run background dynamodb [steps, default 200] [repetitions, default 3]");
        var steps = cli.intPositional("steps", 200);
        var reps = cli.intPositional("repetitions", 3);
        BenchArgs.parseOrExit(args, cli::read);
        URI dynamo = DynamoDbLocal.start("-Xmx1g").endpoint();
        ElasticMq elasticMq = ElasticMq.start("-Xmx512m");
        String queueUrl = RunQueues.createIfMissing(elasticMq.client(), "bench", Duration.ofSeconds(30), 5);
        // The stack the background-run tests use, wired as the application wires it, polled by 2 pollers of batch 10.
        RunHarness harness = new RunHarness(dynamo, "bench-runs", elasticMq.endpoint(), queueUrl, Clock.systemUTC()).poll(queueUrl, 2);
        ThreadRuntime<Counter.State> runtime = harness.runtime;
        BackgroundRuns runs = harness.runs;
        CheckpointStore store = harness.store;

        List<Double> inline = new ArrayList<>();
        List<Double> queued = new ArrayList<>();
        double inlineRate = 0;
        double queuedRate = 0;
        for (int rep = 0; rep <= reps.get(); rep++) { // rep 0 warms up
            ThreadKey a = ThreadKey.of("bench", "inline-" + rep);
            long t0 = System.nanoTime();
            runtime.run(a, Update.of(Channel.<Counter.State, Integer>overwriting("target").set(steps.get())), RunBudget.steps(steps.get()));
            double inlineSeconds = (System.nanoTime() - t0) / 1e9;

            ThreadKey b = ThreadKey.of("bench", "queued-" + rep);
            long t1 = System.nanoTime();
            runs.start(b, null, harness.json("{\"target\":" + steps.get() + "}"), steps.get(), DoubleTexting.REJECT, null, "bench");
            while (true) {
                Run r = runs.current(b).orElseThrow();
                if (r.status().ended()) {
                    if (r.stepsTaken() != steps.get()) {
                        throw new IllegalStateException("the background run took " + r.stepsTaken() + " steps, not " + steps.get());
                    }
                    break;
                }
                Thread.sleep(5);
            }
            double queuedSeconds = (System.nanoTime() - t1) / 1e9;
            if (rep > 0) {
                inline.addAll(intervals(store, a));
                queued.addAll(intervals(store, b));
                inlineRate += steps.get() / inlineSeconds / reps.get();
                queuedRate += steps.get() / queuedSeconds / reps.get();
            }
        }
        harness.close();
        Collections.sort(inline);
        Collections.sort(queued);
        System.out.printf(Locale.ROOT, "%n%d-step runs, %d repetitions, DynamoDB Local + ElasticMQ (separate processes, loopback), %s%n",
                steps.get(), reps.get(), "2 pollers of batch 10");
        System.out.println("| path | steps/s | step interval p50 ms | p95 ms |");
        System.out.println("| --- | --- | --- | --- |");
        System.out.printf(Locale.ROOT, "| in one invocation (run) | %.1f | %.1f | %.1f |%n", inlineRate, pct(inline, 50), pct(inline, 95));
        System.out.printf(Locale.ROOT, "| background (start, queue) | %.1f | %.1f | %.1f |%n", queuedRate, pct(queued, 50), pct(queued, 95));
        System.out.printf(Locale.ROOT, "| added by the queue | | %.1f | %.1f |%n", pct(queued, 50) - pct(inline, 50), pct(queued, 95) - pct(inline, 95));
        System.out.printf(Locale.ROOT, "RESULT background.inline.steps_per_s %.1f%n", inlineRate);
        System.out.printf(Locale.ROOT, "RESULT background.queue.steps_per_s %.1f%n", queuedRate);
        System.out.printf(Locale.ROOT, "RESULT background.inline.p50_ms %.1f%nRESULT background.inline.p95_ms %.1f%n", pct(inline, 50), pct(inline, 95));
        System.out.printf(Locale.ROOT, "RESULT background.queue.p50_ms %.1f%nRESULT background.queue.p95_ms %.1f%n", pct(queued, 50), pct(queued, 95));
        System.out.printf(Locale.ROOT, "RESULT background.added.p50_ms %.1f%nRESULT background.added.p95_ms %.1f%n",
                pct(queued, 50) - pct(inline, 50), pct(queued, 95) - pct(inline, 95));
        System.exit(0); // the servers stop with the JVM
    }

    /** Milliseconds between consecutive commits of the thread. */
    private static List<Double> intervals(CheckpointStore store, ThreadKey thread) {
        List<Checkpoint> all = new ArrayList<>();
        String cursor = null;
        do {
            var page = store.history(thread, new HistoryQuery(100, cursor));
            all.addAll(page.checkpoints());
            cursor = page.nextCursor();
        } while (cursor != null);
        Collections.reverse(all);
        List<Double> out = new ArrayList<>();
        for (int i = 1; i < all.size(); i++) {
            out.add(Duration.between(all.get(i - 1).createdAt(), all.get(i).createdAt()).toNanos() / 1e6);
        }
        return out;
    }

    private static double pct(List<Double> sorted, int p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private Background() {
    }
}
