package io.threadline.bench;

import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The floor under a step's client CPU on the DynamoDB path: one TransactWriteItems of a W1 warm step's shape (the
 * head's conditional update with the index attributes, a ~600 B checkpoint item put), sent through the same client as
 * the steps (call limits, cached endpoint rules, the counting interceptor) with nothing of Threadline around it. The
 * requests are built before the clock starts, so the figure is the SDK's own work per call: execution context and
 * interceptors, endpoint parameters, marshalling, signing, HTTP, unmarshalling. Same sitting as the steps, so the
 * step's CPU minus this is what Threadline itself spends (issue 22).
 *
 * <p>Late timers: the steps' client runs its attempt and call timers on the store's executor
 * ({@code DynamoDbCallLimits.timers}), which drops a timer when its call ends, so no timer of the turns before (nor of
 * the floor's warm-up) is still queued to wake a thread inside the measured window: the window's start prints the
 * queue (0; the executor's periodic tick aside). Before session 33 this bench's client (built outside Quarkus) ran
 * them on the SDK's default 5-thread pool, and the production client on Quarkus's executor (the extension's
 * {@code use-quarkus-scheduled-executor-service}); both keep a call's two cancelled timers queued until their
 * deadlines (the bench's 30 s / 120 s), and the bench's woke its threads inside whatever window was open then, the
 * floor's "other threads" included.
 */
final class SdkFloor {

    static final int WARM = 2000;
    static final int MEASURED = 2000;

    private SdkFloor() {
    }

    /** @param timers the client's timer executor, or null for a client without timers */
    static void measure(DynamoDbClient client, DynamoDbClient admin, ScheduledThreadPoolExecutor timers) {
        String table = "w1-sdk-floor";
        DynamoDbTables.createIfMissing(admin, table);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        byte[] data = new byte[600];
        new Random(5).nextBytes(data);
        double[] cpu = new double[MEASURED];
        String pk = "floor#1";
        Map<Long, Long> others0 = Map.of();
        Map<String, Long> byName0 = Map.of();
        long self = 0;
        for (int i = 0; i < WARM + MEASURED; i++) {
            if (i == WARM) {
                if (timers != null) {
                    // The store's tick (periodic) aside: it is due every attempt-timeout whatever the calls do.
                    long queued = timers.getQueue().stream()
                            .filter(t -> !((RunnableScheduledFuture<?>) t).isPeriodic()).count();
                    System.out.printf(Locale.ROOT, "SDK floor window: %d timer tasks queued at its start (a queued timer wakes a thread "
                            + "in the window when it is due; the executor's tick aside)%n", queued);
                }
                others0 = Machine.otherThreadsCpu();
                byName0 = Machine.otherThreadsCpuByName();
            }
            TransactWriteItemsRequest request = request(table, pk, i, data);
            long c0 = threads.getCurrentThreadCpuTime();
            client.transactWriteItems(request);
            long c1 = threads.getCurrentThreadCpuTime();
            if (i >= WARM) {
                self += c1 - c0;
                cpu[i - WARM] = (c1 - c0) / 1000.0;
            }
        }
        // Every Java thread (the SDK's timer threads, telemetry's exporters): work moved off the calling thread is still
        // counted here. Other threads' CPU is only known over the whole window, so it is a mean over the calls, and
        // compared with the calling thread's mean (not its median: the difference of those two is not other threads').
        double others = Machine.cpuBetween(others0, Machine.otherThreadsCpu()) / 1000.0 / MEASURED;
        double selfMean = self / 1000.0 / MEASURED;
        System.out.printf(Locale.ROOT, "SDK floor, means per call: calling thread %.1f us, all Java threads %.1f us, the other threads %.1f us: %s%n",
                selfMean, selfMean + others, others, Machine.busiest(byName0, Machine.otherThreadsCpuByName(), MEASURED));
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.sdk_floor_cpu_mean_us %.1f%n", selfMean);
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.sdk_floor_all_threads_cpu_us %.1f%n", selfMean + others);
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.sdk_floor_other_threads_cpu_us %.1f%n", others);
        System.out.printf(Locale.ROOT, "SDK floor: one W1-shaped TransactWriteItems through the steps' client, nothing else: "
                + "median %.1f us of calling-thread CPU over %d calls (after %d warm ones)%n", Machine.median(cpu), MEASURED, WARM);
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.sdk_floor_cpu_us %.1f%n", Machine.median(cpu));
    }

    static TransactWriteItemsRequest request(String table, String pk, int i, byte[] data) {
        Map<String, String> names = new HashMap<>(Map.of("#step", "step", "#cid", "cid", "#ua", "ua", "#tix", "tix",
                "#tis", "tis", "#st", "st", "#g1p", "gsi1pk", "#g1s", "gsi1sk", "#ag", "ag", "#exp", "exp"));
        names.put("#wf", "wf");
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":step", n(i + 1), ":cid", s(id(i)),
                ":ua", n(1_765_000_000_000L + i), ":tix", s("bench#07"), ":tis", s("0001765000000000#floor"), ":st", s("RUNNING")));
        String condition;
        if (i == 0) {
            names.put("#pk", "pk");
            condition = "attribute_not_exists(#pk)";
        } else {
            values.put(":expected", n(i));
            values.put(":parent", s(id(i - 1)));
            condition = "#step = :expected AND #cid = :parent";
        }
        TransactWriteItem head = TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(Map.of("pk", s(pk), "sk", s("HEAD")))
                .updateExpression("SET #step = :step, #cid = :cid, #ua = :ua, #tix = :tix, #tis = :tis, #st = :st"
                        + " REMOVE #g1p, #g1s, #ag, #exp, #wf")
                .conditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build();
        TransactWriteItem checkpoint = TransactWriteItem.builder().put(Put.builder().tableName(table)
                .item(Map.of("pk", s(pk), "sk", s("C#" + id(i)), "d", AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(data)),
                        "k", s("D"), "step", n(i + 1), "z", n(1), "cs", n(1_765_000_000_000L)))
                .conditionExpression("attribute_not_exists(#pk)").expressionAttributeNames(Map.of("#pk", "pk")).build()).build();
        return TransactWriteItemsRequest.builder().transactItems(head, checkpoint).build();
    }

    private static String id(int i) {
        return String.format(Locale.ROOT, "01JFLOOR%018d", i);
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
