package io.threadline.effects;

/**
 * Makes an effect durable as soon as it completes (durability {@code SYNC}): the runtime writes it
 * as a pending write of the step in progress. An implementation that cannot write must throw, so
 * the step fails before it builds on an effect that a retry would not find.
 */
@FunctionalInterface
public interface EffectSink {
    void persist(Effect effect);
}
