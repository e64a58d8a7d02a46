package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadTags;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** A thread's tags as its head item holds them (and the thread index projects them): read, and changed. */
public record HeadTags(DynamoDbClient client, String table) {

    /** A thread's tags, read from its head (one consistent GetItem) without changing anything. */
    public ThreadTags tags(ThreadKey thread) {
        Map<String, AttributeValue> head = client.getItem(b -> b.tableName(table).key(ThreadReader.key(Keys.partition(thread), Keys.HEAD))
                .consistentRead(true).projectionExpression("#pk, #tg")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#tg", ThreadIndex.TAGS))).item();
        if (head == null || head.isEmpty()) {
            throw notFound(thread);
        }
        return ThreadIndex.tagsOf(head);
    }

    /**
     * Changes a thread's tags: a consistent read of the head's tags and their version, the change checked, then a
     * conditional update on that version — retried when another change got in between, so none is lost. Commits
     * do not touch the tags, so they never collide with it.
     */
    public ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove, int attempts) {
        Map<String, AttributeValue> key = ThreadReader.key(Keys.partition(thread), Keys.HEAD);
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Map<String, AttributeValue> head = client.getItem(b -> b.tableName(table).key(key).consistentRead(true)
                    .projectionExpression("#pk, #tg, #tv")
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#tg", ThreadIndex.TAGS, "#tv", ThreadIndex.TAGS_VERSION))).item();
            if (head == null || head.isEmpty()) {
                throw notFound(thread);
            }
            ThreadTags next = ThreadIndex.tagsOf(head).with(set, remove);
            AttributeValue version = head.get(ThreadIndex.TAGS_VERSION);
            long v = version == null ? 0 : Long.parseLong(version.n());
            Map<String, String> names = new HashMap<>(Map.of("#pk", Keys.PK, "#tg", ThreadIndex.TAGS, "#tv", ThreadIndex.TAGS_VERSION));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":next", CheckpointItems.n(v + 1)));
            String update = next.isEmpty() ? "SET #tv = :next REMOVE #tg" : "SET #tv = :next, #tg = :tg";
            if (!next.isEmpty()) {
                values.put(":tg", ThreadIndex.tags(next));
            }
            String condition = "attribute_exists(#pk) AND ";
            if (version == null) {
                condition += "attribute_not_exists(#tv)";
            } else {
                condition += "#tv = :seen";
                values.put(":seen", version);
            }
            try {
                String c = condition;
                client.updateItem(b -> b.tableName(table).key(key).updateExpression(update).conditionExpression(c)
                        .expressionAttributeNames(names).expressionAttributeValues(values));
                return next;
            } catch (ConditionalCheckFailedException e) {
                // another tag change (or the thread's deletion) got in first: read again
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the tags of thread " + thread.threadId() + " kept changing under "
                + attempts + " attempts; try again", Map.of("thread", thread.threadId()));
    }

    private static ThreadlineException notFound(ThreadKey thread) {
        return new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " of this tenant",
                Map.of("thread", thread.threadId()));
    }
}
