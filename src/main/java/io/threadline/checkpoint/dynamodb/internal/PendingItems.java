package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A pending effect as items. One that fits an item is one item, its text in {@code data}. A larger one
 * (a big tool result) is stored like a large checkpoint ({@link CheckpointItems}: compressed when that pays, cut
 * into parts, {@code z} present when compressed, {@code n} the part count) — as a head item
 * {@code PENDING#<step>#<seq>} with the first part, the part count and a write id, and parts
 * {@code PENDING#<step>#<seq>#<write id>#<nnn>}, which sort right after their head. Parts are written
 * before the head, and the head's conditional put is what claims the position, so a head is only ever
 * seen complete; the write id keeps apart the parts of two attempts racing for the same position.
 */
public final class PendingItems {

    private static final String WRITE_ID = "w";

    private PendingItems() {
    }

    /**
     * The items of one effect, in the order they must be written: parts, then the head (last), sized and compressed
     * as {@code settings} say for checkpoints. An effect larger than a checkpoint may be is PAYLOAD_TOO_LARGE, as its
     * step's checkpoint would be.
     */
    public static List<Map<String, AttributeValue>> of(ThreadKey thread, long step, int seq, String effect,
                                                       DynamoDbStoreSettings settings, long expiresAtEpochSecond) {
        int maxEffectBytes = settings.maxCheckpointBytes();
        int maxItemBytes = settings.maxItemBytes();
        byte[] text = effect.getBytes(StandardCharsets.UTF_8);
        if (text.length > maxEffectBytes) {
            throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE, "an effect of step " + step
                    + " is larger than a checkpoint may be (" + maxEffectBytes + " bytes)",
                    Map.of("thread", thread.threadId(), "step", step, "limit", maxEffectBytes));
        }
        String head = Keys.pending(step, seq);
        if (text.length <= maxItemBytes) {
            Map<String, AttributeValue> item = base(thread, head, expiresAtEpochSecond);
            item.put(Keys.DATA, CheckpointItems.s(effect));
            return List.of(item);
        }
        StoredPayload payload = StoredPayload.of(text, settings);
        List<byte[]> parts = payload.parts(maxItemBytes);
        String writeId = UUID.randomUUID().toString().substring(0, 8);
        List<Map<String, AttributeValue>> items = new ArrayList<>(parts.size());
        for (int i = 1; i < parts.size(); i++) {
            Map<String, AttributeValue> part = base(thread, part(head, writeId, i), expiresAtEpochSecond);
            part.put(Keys.DATA, CheckpointItems.b(parts.get(i)));
            items.add(part);
        }
        Map<String, AttributeValue> item = base(thread, head, expiresAtEpochSecond);
        item.put(Keys.DATA, CheckpointItems.b(parts.get(0)));
        item.put(Keys.PARTS, CheckpointItems.n(parts.size()));
        if (payload.compressed()) {
            item.put(Keys.COMPRESSED, CheckpointItems.n(1));
        }
        item.put(WRITE_ID, CheckpointItems.s(writeId));
        items.add(item);
        return items;
    }

    /**
     * The effects of one step from its items in sort-key order, up to the first that is not whole (parts of
     * an attempt that never wrote its head are skipped; they expire with their TTL or go with the step's). A stored
     * effect that does not inflate is INTERNAL "unreadable", as a stored checkpoint's is ({@link CheckpointItems}).
     */
    public static List<String> read(ThreadKey thread, long step, List<Map<String, AttributeValue>> items) {
        List<String> effects = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Map<String, AttributeValue> item = items.get(i);
            if (isPart(item)) {
                continue;
            }
            AttributeValue data = item.get(Keys.DATA);
            if (data.s() != null) {
                effects.add(whole(thread, step, item, data.s()));
                continue;
            }
            int count = Integer.parseInt(item.get(Keys.PARTS).n());
            String prefix = item.get(Keys.SK).s() + "#" + item.get(WRITE_ID).s() + "#";
            List<byte[]> parts = new ArrayList<>(count);
            parts.add(data.b().asByteArrayUnsafe());
            for (int j = i + 1; j < items.size() && parts.size() < count; j++) {
                if (items.get(j).get(Keys.SK).s().startsWith(prefix)) {
                    parts.add(items.get(j).get(Keys.DATA).b().asByteArrayUnsafe());
                }
            }
            if (parts.size() < count) {
                break;
            }
            byte[] text;
            try {
                text = StoredPayload.envelope(parts, item.containsKey(Keys.COMPRESSED));
            } catch (RuntimeException e) {
                throw unreadable(thread, step, item, e.getMessage(), e);
            }
            effects.add(whole(thread, step, item, new String(text, StandardCharsets.UTF_8)));
        }
        return effects;
    }

    /** {@code effect}, unless it is empty: the writer never stores an empty effect, so one is a damaged item. */
    private static String whole(ThreadKey thread, long step, Map<String, AttributeValue> item, String effect) {
        if (effect.isEmpty()) {
            throw unreadable(thread, step, item, "it is empty", null);
        }
        return effect;
    }

    private static ThreadlineException unreadable(ThreadKey thread, long step, Map<String, AttributeValue> item, String why, Throwable cause) {
        return new ThreadlineException(ErrorCode.INTERNAL, "stored pending effect " + item.get(Keys.SK).s() + " of step " + step
                + " of " + thread + " is unreadable: " + why, Map.of("thread", thread.threadId(), "step", step), cause);
    }

    private static boolean isPart(Map<String, AttributeValue> item) {
        String sk = item.get(Keys.SK).s();
        // PENDING#<19 digits>#<6 digits> is a head; anything longer is a part.
        return sk.length() > Keys.pending(0, 0).length();
    }

    private static String part(String head, String writeId, int index) {
        return head + "#" + writeId + "#" + String.format("%03d", index);
    }

    private static Map<String, AttributeValue> base(ThreadKey thread, String sk, long expiresAtEpochSecond) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Keys.PK, CheckpointItems.s(Keys.partition(thread)));
        item.put(Keys.SK, CheckpointItems.s(sk));
        item.put(Keys.EXPIRES_AT, CheckpointItems.n(expiresAtEpochSecond));
        return item;
    }
}
