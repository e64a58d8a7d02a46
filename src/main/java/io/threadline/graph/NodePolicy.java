package io.threadline.graph;

import java.util.Objects;

/**
 * How a node runs: when its effects become durable and how it is retried. A node without a policy
 * of its own uses the graph's durability and no retries.
 *
 * @param durability {@code null} to use the graph's
 * @param retry      attempts and backoff
 */
public record NodePolicy<S>(Durability durability, RetryPolicy<S> retry) {

    public NodePolicy {
        Objects.requireNonNull(retry, "retry");
    }

    public static <S> NodePolicy<S> defaults() {
        return new NodePolicy<>(null, RetryPolicy.none());
    }

    public static <S> NodePolicy<S> retry(RetryPolicy<S> retry) {
        return new NodePolicy<>(null, retry);
    }

    public static <S> NodePolicy<S> durability(Durability durability) {
        return new NodePolicy<>(Objects.requireNonNull(durability), RetryPolicy.none());
    }

    public NodePolicy<S> withRetry(RetryPolicy<S> retry) {
        return new NodePolicy<>(durability, retry);
    }

    public NodePolicy<S> withDurability(Durability durability) {
        return new NodePolicy<>(durability, retry);
    }
}
