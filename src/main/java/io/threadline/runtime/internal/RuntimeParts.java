package io.threadline.runtime.internal;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.memory.MemoryStore;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.state.StateCodec;
import io.threadline.state.StateMigration;
import io.threadline.state.StateSchema;

import java.util.Map;
import java.util.Objects;

/**
 * What every peer of one runtime works with, built once by {@link #of}: the graph's schema and version rule, the
 * store and long-term memory as the options' observer sees them, the codec, the options, the loader that turns stored
 * chains into states, and the outbox of memory writes. {@link ThreadHeads}, {@link StepRunner}, {@link StepOnHead},
 * {@link StepReplayer}, {@link TimeTravel} and {@link HistoryDiffs} read them from here rather than each copying its own.
 *
 * @param store    the store, wrapped by the options' observer
 * @param memory   long-term memory, wrapped by the options' observer; {@code null} when the runtime has none
 * @param versions the graph's version rule and the version metadata every appended checkpoint is stamped with
 * @param <S>      the state record type
 */
public record RuntimeParts<S>(StateSchema<S> schema, CheckpointStore store, StateCodec codec, RuntimeOptions options,
                              StateLoader<S> loader, MemoryStore memory, Outbox outbox, GraphVersions versions) {

    /**
     * @param store  the store as given; wrapped here by the options' observer
     * @param memory long-term memory, or {@code null} for none; wrapped here by the options' observer
     */
    public static <S> RuntimeParts<S> of(StateSchema<S> schema, Map<Integer, StateMigration> migrations, CheckpointStore store,
                                         StateCodec codec, RuntimeOptions options, MemoryStore memory, GraphVersions versions) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(versions, "versions");
        CheckpointStore observed = Objects.requireNonNull(options, "options").observer().checkpointStore(Objects.requireNonNull(store, "store"));
        MemoryStore observedMemory = memory == null ? null : options.observer().memoryStore(memory);
        return new RuntimeParts<>(schema, observed, codec, options, new StateLoader<>(schema, codec, migrations), observedMemory,
                new Outbox(observed, observedMemory, schema, codec, options.clock()), versions);
    }
}
