package io.threadline.runs;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What double texting costs a foreground step on DynamoDB, counted at the SDK (load-independent): on a thread with no
 * background run, {@link BackgroundRuns#admit} reads the run record — one consistent GetItem on every step of a
 * deployment with background runs. The figure the hot-path work (README "Background runs", issue 24) is to bring to 0.
 */
class ForegroundStepCallsTest {

    /** Calls by operation name, as the SDK sends them. */
    static final class Counting implements ExecutionInterceptor {
        final Map<String, Integer> calls = new TreeMap<>();

        @Override
        public synchronized void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            calls.merge(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), 1, Integer::sum);
        }

        synchronized Map<String, Integer> take() {
            Map<String, Integer> copy = new TreeMap<>(calls);
            calls.clear();
            return copy;
        }
    }

    @ParameterizedTest(name = "trust-head-cache {0}")
    @ValueSource(booleans = {false, true})
    void aForegroundStepOnAThreadWithoutARunReadsTheRunRecordOnce(boolean trustHeadCache) {
        Counting counting = new Counting();
        String table = "calls-" + UUID.randomUUID();
        try (DynamoDbClient client = DynamoDbLocal.get().clientBuilder().overrideConfiguration(c -> c.addExecutionInterceptor(counting)).build()) {
            DynamoDbTables.createIfMissing(client, table);
            var store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
            ThreadRuntime<Counter.State> runtime = ThreadRuntime.builder(Counter.GRAPH).store(store)
                    .options(RuntimeOptions.defaults().withTrustHeadCache(trustHeadCache)).build();
            BackgroundRuns runs = new BackgroundRuns(new DynamoDbRunStore(client, table, 4), m -> { }, store, null, Clock.systemUTC(),
                    () -> "x", new BackgroundRuns.Settings(Duration.ofMinutes(15), Duration.ofSeconds(30), Duration.ofMinutes(2)));
            ThreadKey thread = ThreadKey.of("t", "calls-" + UUID.randomUUID());
            runtime.step(thread, Update.of(Counter.State.NOTES.append("first")), null); // the thread exists, its head cached
            counting.take();

            runtime.step(thread, Update.of(Counter.State.NOTES.append("without runs")), null);
            Map<String, Integer> plain = counting.take();

            assertThat(runs.admit(thread, DoubleTexting.REJECT, "caller")).isFalse();
            runtime.step(thread, Update.of(Counter.State.NOTES.append("with runs")), null);
            Map<String, Integer> admitted = counting.take();

            System.out.println("RESULT foreground-step-calls trust-head-cache=" + trustHeadCache + " without-runs=" + plain + " with-runs=" + admitted);
            Map<String, Integer> extra = new TreeMap<>(admitted);
            plain.forEach((op, n) -> extra.merge(op, -n, Integer::sum));
            extra.values().removeIf(n -> n == 0);
            assertThat(extra).as("what admit adds").isEqualTo(Map.of("GetItem", 1));
            assertThat(List.copyOf(plain.keySet())).doesNotContain("Query");
        }
    }
}
