package io.threadline.state;

import java.util.List;
import java.util.Map;

/**
 * One change to one field, created through a {@link Channel}: {@code TURN.set(3)},
 * {@code MESSAGES.append(m)}, {@code TOOLS.put("search", out)}.
 *
 * @param <S> the state record type the change applies to
 */
public sealed interface FieldUpdate<S> {

    Channel<S, ?> channel();

    /** Replace the field's value. */
    record Set<S>(Channel<S, ?> channel, Object value) implements FieldUpdate<S> {}

    /** Append items to a list field. */
    record Append<S>(ListChannel<S, ?> channel, List<?> items) implements FieldUpdate<S> {}

    /** Put entries into a map field. */
    record Put<S>(MapChannel<S, ?> channel, Map<String, ?> entries) implements FieldUpdate<S> {}

    /** Remove keys from a map field. */
    record Remove<S>(MapChannel<S, ?> channel, List<String> keys) implements FieldUpdate<S> {}

    /** Fold a value into the field with the channel's reducer. */
    record Reduce<S>(ReducingChannel<S, ?> channel, Object value) implements FieldUpdate<S> {}
}
