package io.threadline.bench;

import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The reference for a cold read: the single-item read a checkpointer that keeps a thread's whole state in one item
 * makes (the LangGraph.js DynamoDB saver's 15.8 ms at T=1000, measured outside the project), here on the same
 * DynamoDB Local in the same sitting. The item holds 0.9 MB of incompressible bytes (W1's final state at T=1000 is
 * ~0.96 MB of JSON). DynamoDB refuses items over 400 KB; where DynamoDB Local does too, the reference is the same
 * 0.9 MB read in one strongly consistent Query page as three 300 KB items of one partition.
 */
final class SingleItemRead {

    static final int BYTES = 900_000;
    static final int READS = 21;

    private SingleItemRead() {
    }

    static void reference(DynamoDbClient client, W1.Probe probe) {
        reference(client, client, probe);
    }

    /** {@code admin} creates the table (a client without the store's call limits; see W1DynamoDb). */
    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe) {
        reference(client, admin, probe, null);
    }

    /**
     * With {@code coldRead} (a cold read of W1's final state, T=1000), the reference reads alternate with it, one each in
     * turn, and both medians are printed: on a loaded machine the two then see the same moments, where the growth
     * table's cold reads and the reference ran minutes apart.
     */
    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe, Runnable coldRead) {
        reference(client, admin, probe, coldRead, null);
    }

    /**
     * With {@code queriesOf} (the Query requests a read sends), the alternation has a third read: the cold read's own
     * Query requests replayed through the same client, nothing of Threadline around them (no gunzip, no decode). The
     * cold read minus the replay is Threadline's part of a cold read; the replay against the reference is what the
     * read's shape (item count, attributes) costs DynamoDB Local and the SDK for about half the bytes.
     */
    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe, Runnable coldRead,
                          Function<Runnable, List<QueryRequest>> queriesOf) {
        reference(client, admin, probe, coldRead, queriesOf, null);
    }

    /** A Query's HTTP request as the SDK sent it (signed), to be sent again on a plain connection. */
    record RawRequest(URI uri, Map<String, List<String>> headers, byte[] body) {
        static RawRequest of(SdkHttpRequest request, RequestBody body) {
            try (InputStream in = body.contentStreamProvider().newStream()) {
                return new RawRequest(request.getUri(), request.headers(), in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Sends it on a new HttpURLConnection (keep-alive reuses the socket) and reads the whole answer; its length. */
        int send() {
            try {
                HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                headers.forEach((name, values) -> {
                    if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Host")) {
                        values.forEach(v -> c.addRequestProperty(name, v));
                    }
                });
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
                if (c.getResponseCode() != 200) {
                    throw new IllegalStateException("the replayed Query answered HTTP " + c.getResponseCode());
                }
                try (InputStream in = c.getInputStream()) {
                    return in.readAllBytes().length;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The cold read cut where its parts meet (issue 22): {@code storeRead} is the store's {@code loadLatest} alone (the
     * Query, then the items into checkpoints: join, gunzip, envelope); {@code httpQueriesOf} gives the cold read's
     * Query as HTTP requests, replayed on a plain connection — DynamoDB Local's answer and the loopback transfer,
     * nothing of the SDK.
     */
    record Split(Runnable storeRead, Function<Runnable, List<RawRequest>> httpQueriesOf) {}

    /** The second reference: {@code state} stored whole by {@code whole} and read back decoded ({@link WholeStateRead}). */
    record Whole(WholeStateRead whole, Object state) {}

    private record Timed(String name, String label, IntSupplier read) {}

    /** The reference's item(s) written, and how to read them: {@code shape} says which read it is. */
    record Reference(String shape, IntSupplier read) {}

    /**
     * Writes the reference's 0.9 MB into table {@code w1-reference} ({@code admin} creates it): one item read by a
     * consistent GetItem, or three items of one Query page where DynamoDB Local refuses the one.
     */
    static Reference prepare(DynamoDbClient client, DynamoDbClient admin) {
        String table = "w1-reference";
        DynamoDbTables.createIfMissing(admin, table);
        byte[] data = new byte[BYTES];
        new Random(9).nextBytes(data);
        try {
            admin.putItem(b -> b.tableName(table).item(Map.of("pk", s("ref"), "sk", s("one"),
                    "data", AttributeValue.fromB(SdkBytes.fromByteArray(data)))));
            return new Reference("one item of " + BYTES + " B (GetItem, consistent)", () -> client.getItem(b -> b.tableName(table)
                    .consistentRead(true).key(Map.of("pk", s("ref"), "sk", s("one")))).item().size());
        } catch (DynamoDbException refused) {
            System.out.println("reference: DynamoDB Local refuses one " + BYTES + " B item (" + refused.awsErrorDetails().errorMessage()
                    + "); reading the same bytes as 3 items of one Query page instead");
            for (int i = 0; i < 3; i++) {
                byte[] part = Arrays.copyOfRange(data, i * BYTES / 3, (i + 1) * BYTES / 3);
                int n = i;
                admin.putItem(b -> b.tableName(table).item(Map.of("pk", s("ref3"), "sk", s("part" + n),
                        "data", AttributeValue.fromB(SdkBytes.fromByteArray(part)))));
            }
            return new Reference("3 items of " + BYTES / 3 + " B in one Query page (consistent)", () -> client.query(QueryRequest.builder()
                    .tableName(table).consistentRead(true).keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", s("ref3"))).build()).count());
        }
    }

    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe, Runnable coldRead,
                          Function<Runnable, List<QueryRequest>> queriesOf, Split split) {
        reference(client, admin, probe, coldRead, queriesOf, split, null);
    }

    static void reference(DynamoDbClient client, DynamoDbClient admin, W1.Probe probe, Runnable coldRead,
                          Function<Runnable, List<QueryRequest>> queriesOf, Split split, Whole whole) {
        Reference reference = prepare(client, admin);
        IntSupplier read = reference.read();
        time(reference.shape(), probe, read);
        if (coldRead == null) {
            return;
        }
        List<Timed> reads = new ArrayList<>();
        reads.add(new Timed("cold_read", "cold read of the latest state at T=max", () -> {
            coldRead.run();
            return 0;
        }));
        reads.add(new Timed("reference_read", "reference", read));
        if (whole != null) {
            whole.whole().store(whole.state());
            Class<?> type = whole.state().getClass();
            // checked once, outside the timing: the cold read's timing holds no such compare either
            if (!whole.whole().read(type).equals(whole.state())) {
                throw new IllegalStateException("the whole state read back differs");
            }
            reads.add(new Timed("whole_state_read", "second reference: the same state read whole and decoded (one item's JSON, uncompressed)",
                    () -> whole.whole().read(type) == null ? 0 : 1));
        }
        int[] items = new int[1];
        List<QueryRequest> queries = queriesOf == null ? null : queriesOf.apply(coldRead);
        if (queries != null) {
            reads.add(new Timed("cold_read_queries", "the cold read's Query requests replayed alone (SDK)", () -> {
                int n = 0;
                for (QueryRequest q : queries) {
                    n += client.query(q).count();
                }
                items[0] = n;
                return n;
            }));
        }
        long[] httpBytes = new long[1];
        if (split != null) {
            reads.add(new Timed("store_read", "the store's loadLatest alone (Query, items into checkpoints)", () -> {
                split.storeRead().run();
                return 0;
            }));
            List<RawRequest> http = split.httpQueriesOf().apply(coldRead);
            reads.add(new Timed("cold_read_http", "the cold read's Query as raw HTTP (DynamoDB Local + loopback, no SDK)", () -> {
                long n = 0;
                for (RawRequest r : http) {
                    n += r.send();
                }
                httpBytes[0] = n;
                return (int) n;
            }));
        }
        alternating(reads);
        if (queries != null) {
            System.out.printf(Locale.ROOT, "the cold read's Query requests: %d, returning %d items%n", queries.size(), items[0]);
        }
        if (split != null) {
            System.out.printf(Locale.ROOT, "the cold read's HTTP answers: %,d B of JSON%n", httpBytes[0]);
        }
    }

    /**
     * The reads one each in turn (so a loaded machine's moments fall on all alike): medians of wall and CPU — the calling
     * thread's plus the inflate helpers' ({@code --inflate-threads}), so work moved to a helper does not look saved.
     */
    private static void alternating(List<Timed> reads) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Predicate<String> helper = name -> name.startsWith("threadline-inflate-");
        for (int i = 0; i < 5; i++) {
            reads.forEach(r -> r.read().getAsInt());
        }
        double[][] wall = new double[reads.size()][READS];
        double[][] cpu = new double[reads.size()][READS];
        for (int i = 0; i < READS; i++) {
            for (int k = 0; k < reads.size(); k++) {
                Map<Long, Long> o0 = Machine.otherThreadsCpu(helper);
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                reads.get(k).read().getAsInt();
                wall[k][i] = (System.nanoTime() - t0) / 1e6;
                long calling = threads.getCurrentThreadCpuTime() - c0;
                cpu[k][i] = (calling + Machine.cpuBetween(o0, Machine.otherThreadsCpu(helper))) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "alternating, %d each (median wall / CPU per read, calling thread + inflate helpers):%n", READS);
        for (int k = 0; k < reads.size(); k++) {
            Timed r = reads.get(k);
            System.out.printf(Locale.ROOT, "  %-100s %7.2f ms / %6.2f ms%n", r.label(), Machine.median(wall[k]), Machine.median(cpu[k]));
            System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.%s_ms %.3f%n", r.name(), Machine.median(wall[k]));
            System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.alternating.%s_cpu_ms %.3f%n", r.name(), Machine.median(cpu[k]));
        }
    }

    private static void time(String shape, W1.Probe probe, IntSupplier read) {
        for (int i = 0; i < 5; i++) {
            read.getAsInt(); // warm
        }
        double[] ms = new double[READS];
        long bytes0 = probe.bytesRead();
        for (int i = 0; i < READS; i++) {
            long t0 = System.nanoTime();
            read.getAsInt();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        long bytes = (probe.bytesRead() - bytes0) / READS;
        System.out.printf(Locale.ROOT, "reference read, %s: median %.2f ms (min %.2f, max %.2f) over %d reads, %,d B read each%n",
                shape, Machine.median(ms), Arrays.stream(ms).min().orElse(0), Arrays.stream(ms).max().orElse(0),
                READS, bytes);
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.reference_read_ms %.3f%n", Machine.median(ms));
        System.out.printf(Locale.ROOT, "RESULT w1.dynamodb.reference_read_bytes %d%n", bytes);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
