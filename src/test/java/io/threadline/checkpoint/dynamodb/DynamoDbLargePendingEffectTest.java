package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.checkpoint.dynamodb.internal.PendingItems;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pending effects past one DynamoDB item (a SYNC node's big tool result), on DynamoDB Local: stored in
 * parts, never seen half-written, kept apart from a racing attempt's parts, refused past a checkpoint's size.
 */
class DynamoDbLargePendingEffectTest {

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("pending");
    private static DynamoDbCheckpointStore store;
    private static DynamoDbStoreSettings settings;

    @BeforeAll
    static void createTable() {
        settings = DynamoDbStoreSettings.defaults(TABLE.name());
        store = new DynamoDbCheckpointStore(TABLE.client(), settings, Clock.systemUTC());
    }

    private static String bigEffect(int seed) {
        byte[] random = new byte[500_000];
        new Random(seed).nextBytes(random);
        return "{\"result\":\"" + Base64.getEncoder().encodeToString(random) + "\"}";
    }

    @Test
    void partsOfAnAttemptThatNeverWroteItsHeadAreNotAnEffect() {
        ThreadKey thread = ThreadKey.of("pending", "th-" + UUID.randomUUID());
        store.putPendingEffect(thread, 4, 0, PendingEffect.fromJson("{\"first\":true}"));
        // Another attempt died after writing the parts of position 1, before its head.
        List<Map<String, AttributeValue>> died = PendingItems.of(thread, 4, 1, bigEffect(1), settings, 4_000_000_000L);
        assertThat(died).hasSizeGreaterThan(1);
        for (Map<String, AttributeValue> part : died.subList(0, died.size() - 1)) {
            TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(part));
        }
        assertThat(store.pendingEffects(thread, 4).stream().map(PendingEffect::json).toList()).containsExactly("{\"first\":true}");

        // The retry writes position 1 in full: its own parts are read, not the dead attempt's.
        String retried = bigEffect(2);
        store.putPendingEffect(thread, 4, 1, PendingEffect.fromJson(retried));
        assertThat(store.pendingEffects(thread, 4).stream().map(PendingEffect::json).toList()).containsExactly("{\"first\":true}", retried);

        store.clearPendingEffects(thread, 4);
        assertThat(TABLE.client().query(q -> q.tableName(TABLE.name()).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread)))))
                .items()).as("heads and parts, the dead attempt's too, are cleared").allMatch(i -> !i.get("sk").s().startsWith("PENDING#"));
    }

    @Test
    void aStoredEffectThatIsNotValidGzipIsTheStoresUnreadableErrorAndStaysStored() {
        ThreadKey thread = ThreadKey.of("pending", "th-" + UUID.randomUUID());
        store.putPendingEffect(thread, 3, 0, PendingEffect.fromJson("{\"result\":\"" + "abc".repeat(200_000) + "\"}"));
        Map<String, AttributeValue> head = new HashMap<>(pendingItems(thread).get(0));
        assertThat(head).containsKey(Keys.COMPRESSED);
        byte[] data = head.get(Keys.DATA).b().asByteArray();
        data[data.length / 2] ^= 1;
        head.put(Keys.DATA, AttributeValue.fromB(SdkBytes.fromByteArray(data)));
        TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(head));

        // as a checkpoint read reports a bad stored item: INTERNAL, its step named, not the bare gzip exception
        assertThatThrownBy(() -> store.pendingEffects(thread, 3)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains("pending effect").contains("of step 3").contains("is unreadable")
                    .contains("not valid gzip");
            assertThat(e.details()).containsEntry("thread", thread.threadId()).containsEntry("step", 3L);
        });
        assertThat(pendingItems(thread)).as("the read changes nothing stored").containsExactly(head);
    }

    private static List<Map<String, AttributeValue>> pendingItems(ThreadKey thread) {
        return TABLE.client().query(q -> q.tableName(TABLE.name()).keyConditionExpression("pk = :pk and begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread)), ":p", AttributeValue.fromS("PENDING#"))))
                .items();
    }

    @Test
    void anEffectLargerThanACheckpointMayBeIsRefusedAndWritesNothing() {
        ThreadKey thread = ThreadKey.of("pending", "th-" + UUID.randomUUID());
        String huge = "{\"result\":\"" + "x".repeat(settings.maxCheckpointBytes()) + "\"}";

        assertThatThrownBy(() -> store.putPendingEffect(thread, 1, 0, PendingEffect.fromJson(huge)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        assertThat(store.pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).isEmpty();
    }
}
