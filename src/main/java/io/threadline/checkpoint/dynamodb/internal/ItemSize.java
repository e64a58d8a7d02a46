package io.threadline.checkpoint.dynamodb.internal;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

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

    /**
     * DynamoDB trims leading and trailing zeros and stores two significant digits a byte, plus one. Counted in place:
     * this runs for every attribute of every item a commit writes or a read returns.
     */
    static long numberSize(String n) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c >= '1' && c <= '9') {
                if (first < 0) {
                    first = i;
                }
                last = i;
            }
        }
        int digits = 0;
        for (int i = first; first >= 0 && i <= last; i++) {
            char c = n.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            }
        }
        return (Math.max(1, digits) + 1) / 2 + 1;
    }

    /** The UTF-8 length of {@code s}, without encoding it. */
    static long utf8(String s) {
        long bytes = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for the pair's 2 chars
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
