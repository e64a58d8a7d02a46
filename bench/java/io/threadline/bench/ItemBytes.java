package io.threadline.bench;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An item's size as DynamoDB counts it (attribute names + values; numbers roughly), for "bytes read". */
final class ItemBytes {

    private ItemBytes() {
    }

    static long of(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += e.getKey().getBytes(StandardCharsets.UTF_8).length;
            AttributeValue v = e.getValue();
            if (v.b() != null) {
                size += v.b().asByteArray().length;
            } else if (v.s() != null) {
                size += v.s().getBytes(StandardCharsets.UTF_8).length;
            } else if (v.n() != null) {
                size += v.n().length() / 2 + 1;
            } else {
                size += 1;
            }
        }
        return size;
    }
}
