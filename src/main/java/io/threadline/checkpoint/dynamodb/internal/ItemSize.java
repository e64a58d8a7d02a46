package io.threadline.checkpoint.dynamodb.internal;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An item's size as DynamoDB bills and limits it, approximately: for each attribute, the UTF-8 bytes
 * of its name plus its value — a string's UTF-8 bytes, a binary's bytes, a number's significant
 * digits / 2 + 1. (DynamoDB adds a few bytes of overhead per item and rounds; this does not.)
 */
public final class ItemSize {

    private ItemSize() {
    }

    public static long of(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += utf8(e.getKey()) + valueSize(e.getValue());
        }
        return size;
    }

    private static long valueSize(AttributeValue v) {
        if (v.s() != null) {
            return utf8(v.s());
        }
        if (v.n() != null) {
            return numberSize(v.n());
        }
        if (v.b() != null) {
            return v.b().asByteArrayUnsafe().length;
        }
        if (v.bool() != null || Boolean.TRUE.equals(v.nul())) {
            return 1;
        }
        if (v.hasM()) {
            return 3 + of(v.m());
        }
        if (v.hasL()) {
            long size = 3;
            for (AttributeValue e : v.l()) {
                size += 1 + valueSize(e);
            }
            return size;
        }
        // Sets are never written by this store; count them coarsely.
        return utf8(v.toString());
    }

    /** DynamoDB trims leading and trailing zeros and stores two significant digits a byte, plus one. */
    private static long numberSize(String n) {
        String digits = n.replace("-", "").replace(".", "").replaceFirst("^0+", "").replaceFirst("0+$", "");
        return (Math.max(1, digits.length()) + 1) / 2 + 1;
    }

    private static long utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
