package io.threadline.state;

import java.util.Objects;

/**
 * A typed handle on one field of a state record, carrying the reducer that folds updates into it.
 *
 * <p>Declare channels once, as constants of the state record, with the same name as the record
 * component they update:
 *
 * <pre>{@code
 * public record ChatState(List<Message> messages, int turn) {
 *     public static final ListChannel<ChatState, Message> MESSAGES = Channel.appending("messages");
 *     public static final ValueChannel<ChatState, Integer> TURN = Channel.overwriting("turn");
 * }
 * }</pre>
 *
 * Nodes then return partial updates such as {@code Update.of(MESSAGES.append(m), TURN.set(3))}.
 * {@link StateSchema#of} checks at start-up that every channel names a component of a compatible
 * type; a component without a channel is overwritten.
 *
 * @param <S> the state record type
 * @param <V> the type of the field
 */
public abstract sealed class Channel<S, V> permits ValueChannel, ListChannel, MapChannel, ReducingChannel {

    /** How updates to a channel are folded into the current value. */
    public enum Kind { OVERWRITE, APPEND, MERGE, CUSTOM }

    private final String name;

    Channel(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a channel needs the name of the record component it updates");
        }
        this.name = name;
    }

    /** A field whose update replaces the current value (the default for undeclared fields). */
    public static <S, V> ValueChannel<S, V> overwriting(String name) {
        return new ValueChannel<>(name);
    }

    /** A {@code List} field whose updates append items, as LangGraph's {@code add} reducer. */
    public static <S, E> ListChannel<S, E> appending(String name) {
        return new ListChannel<>(name);
    }

    /** A {@code Map<String, V>} field whose updates put and remove entries. */
    public static <S, V> MapChannel<S, V> merging(String name) {
        return new MapChannel<>(name);
    }

    /** A field folded by a custom reducer, e.g. a maximum or a counter. */
    public static <S, V> ReducingChannel<S, V> reducing(String name, Reducer<V> reducer) {
        return new ReducingChannel<>(name, reducer);
    }

    /** The record component this channel updates. */
    public final String name() {
        return name;
    }

    public abstract Kind kind();

    @Override
    public final boolean equals(Object o) {
        return o instanceof Channel<?, ?> other && other.name.equals(name) && other.kind() == kind();
    }

    @Override
    public final int hashCode() {
        return Objects.hash(name, kind());
    }

    @Override
    public String toString() {
        return kind().name().toLowerCase() + " channel '" + name + "'";
    }
}
