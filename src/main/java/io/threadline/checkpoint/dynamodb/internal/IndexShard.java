package io.threadline.checkpoint.dynamodb.internal;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayDeque;
import java.util.Map;

/** One shard's place in a listing's merge ({@link ThreadLister}): what its last query page answered and where to go on. */
final class IndexShard {

    final String partition;
    final ArrayDeque<Map<String, AttributeValue>> buffer = new ArrayDeque<>();
    Map<String, AttributeValue> startKey;
    String lowestExamined;
    boolean exhausted;
    boolean queried;

    IndexShard(int n, String tenant) {
        this.partition = ThreadIndex.partition(tenant, n);
    }

    /** The sort key of the first entry buffered; only while the buffer holds one. */
    String head() {
        return buffer.peekFirst().get(ThreadIndex.SORT).s();
    }
}
