package io.threadline.state;

import java.util.List;
import java.util.Map;

/**
 * What one field update actually changed, after its reducer ran: the unit both of the checkpoint
 * delta and of incremental validation. Updates that changed nothing produce no record.
 */
public sealed interface AppliedChange {

    String field();

    /** Items appended to a list field, starting at {@code fromIndex}. */
    record Appended(String field, int fromIndex, List<?> items) implements AppliedChange {}

    /** The field's whole new value. */
    record Replaced(String field, Object value) implements AppliedChange {}

    /** Entries put into a map field. */
    record Put(String field, Map<String, ?> entries) implements AppliedChange {}

    /** Keys removed from a map field (only keys that were present). */
    record Removed(String field, List<String> keys) implements AppliedChange {}
}
