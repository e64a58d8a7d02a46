package io.threadline.bench;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench/run W1-capacity dynamodb [turns, default 100]}: W1's conversation (../shared/bench-workload.md: the same
 * state, graph and turns) on DynamoDB Local, counting only what DynamoDB reports as consumed write units per node step,
 * split into the table's and the indexes' (every write asked with ReturnConsumedCapacity=INDEXES) — without W1's
 * timing parts, so it runs in a minute where the full W1 takes many. Turns are taken one after the other, as W1 does;
 * per-step figures are reported for turns 1–10 and for turns (T-10, T].
 */
public final class W1Capacity {

    private W1Capacity() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs cli = new BenchArgs("W1-capacity dynamodb", "bench/run W1-capacity dynamodb [turns, default 100]");
        var turnsArg = cli.intPositional("turns", 100);
        BenchArgs.parseOrExit(args, cli::read);
        int turns = turnsArg.get();
        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx1g");
        int port = server.port;
        W1DynamoDb.Counter counter = new W1DynamoDb.Counter();
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(c -> c.addExecutionInterceptor(counter)).build();
        DynamoDbTables.createIfMissing(client, "w1-capacity");
        DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults("w1-capacity"), Clock.systemUTC());
        ThreadRuntime<W1.W1State> rt = ThreadRuntime.builder(W1.graph()).store(store).validator(W1.validator()).codec(new StateCodec()).build();
        ThreadKey thread = ThreadKey.of("bench", "w1-capacity");
        System.out.println("W1 write capacity, DynamoDB Local 2.6.1, " + turns + " turns; " + Machine.describe());
        System.out.println("| turns | WCU/step | table WCU/step | index WCU/step | calls/step |");
        System.out.println("| --- | --- | --- | --- | --- |");
        counter.reset();
        for (int t = 1; t <= turns; t++) {
            if (t == turns - 9 && turns > 20) {
                counter.reset();
            }
            W1.turn(rt, thread, t - 1);
            if (t == 10) {
                print("1-10", counter.perStep(30));
                if (turns > 20) {
                    counter.reset();
                }
            }
        }
        if (turns > 20) {
            print((turns - 9) + "-" + turns, counter.perStep(30));
        }
        server.stop();
        System.exit(0);
    }

    private static void print(String turns, Map<String, Double> perStep) {
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", turns, perStep.get("wcu_per_step"), perStep.get("wcu_table_per_step"),
                perStep.get("wcu_index_per_step"), perStep.get("calls_per_step"));
        System.out.printf(Locale.ROOT, "RESULT w1capacity.%s.wcu_per_step %.3f%n", turns, perStep.get("wcu_per_step"));
        System.out.printf(Locale.ROOT, "RESULT w1capacity.%s.wcu_index_per_step %.3f%n", turns, perStep.get("wcu_index_per_step"));
    }
}
