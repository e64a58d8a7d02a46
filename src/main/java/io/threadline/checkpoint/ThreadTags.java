package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A thread's tags: a few {@code key=value} facts a caller sets on a thread (on the request that creates it, or
 * later with the {@code tag} operation) to find it again — {@code user=42}, {@code channel=web}. Stored on the
 * thread's head, so they cost nothing per step beyond their bytes, and listed and filtered by
 * {@link CheckpointStore#threads}. Tags are for finding threads, never for secrets: they appear in listings.
 *
 * <p>Limits (part of the store contract: the head item is rewritten by every step, and these keep it within one
 * DynamoDB write unit with typical tags and under two with the largest): at most {@value #MAX_TAGS} tags; keys of
 * 1–{@value #MAX_KEY_LENGTH} lower-case letters, digits, {@code _ . -}, starting with a letter or digit; values of
 * 1–{@value #MAX_VALUE_LENGTH} letters, digits and {@code _ . : @ / + = -}. Anything else is {@code INVALID_INPUT}
 * with {@code details.field} {@code tags}, and nothing is stored.
 */
public record ThreadTags(Map<String, String> values) {

    public static final int MAX_TAGS = 10;
    public static final int MAX_KEY_LENGTH = 32;
    public static final int MAX_VALUE_LENGTH = 128;
    public static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9_.-]{0," + (MAX_KEY_LENGTH - 1) + "}");
    public static final Pattern VALUE = Pattern.compile("[A-Za-z0-9_.:@/+=-]{1," + MAX_VALUE_LENGTH + "}");

    private static final ThreadTags NONE = new ThreadTags(Map.of());

    public ThreadTags {
        if (values == null) {
            values = Map.of();
        }
        if (values.size() > MAX_TAGS) {
            throw invalid("a thread holds at most " + MAX_TAGS + " tags, these would be " + values.size(),
                    Map.of("field", "tags", "limit", MAX_TAGS));
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        values.forEach((k, v) -> {
            checkKey(k);
            if (v == null || !VALUE.matcher(v).matches()) {
                throw invalid("tag '" + k + "' has value " + (v == null ? "null" : "'" + v + "'") + "; a value is 1-"
                        + MAX_VALUE_LENGTH + " letters, digits or '_ . : @ / + = -'", Map.of("field", "tags", "key", k,
                        "limit", MAX_VALUE_LENGTH));
            }
            sorted.put(k, v);
        });
        values = Collections.unmodifiableMap(sorted);
    }

    /** No tags. */
    public static ThreadTags none() {
        return NONE;
    }

    /** Checked tags; {@code null} is none. */
    public static ThreadTags of(Map<String, String> values) {
        return values == null || values.isEmpty() ? NONE : new ThreadTags(values);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** These tags with {@code set} put (replacing a key's value) and then {@code remove} taken away; checked again. */
    public ThreadTags with(Map<String, String> set, Collection<String> remove) {
        TreeMap<String, String> next = new TreeMap<>(values);
        if (set != null) {
            set.forEach((k, v) -> {
                checkKey(k);
                next.put(k, v);
            });
        }
        if (remove != null) {
            remove.forEach(k -> {
                checkKey(k);
                next.remove(k);
            });
        }
        return of(next);
    }

    /** Whether every entry of {@code wanted} is one of these tags. */
    public boolean containsAll(Map<String, String> wanted) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(values.get(e.getKey())));
    }

    /** A tag key, checked: what a {@code remove} or a filter may name. */
    public static String checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw invalid("tag key " + (key == null ? "null" : "'" + key + "'") + " is not 1-" + MAX_KEY_LENGTH
                    + " lower-case letters, digits, '_', '.' or '-' starting with a letter or digit",
                    Map.of("field", "tags", "limit", MAX_KEY_LENGTH));
        }
        return key;
    }

    private static ThreadlineException invalid(String message, Map<String, Object> details) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, details);
    }
}
