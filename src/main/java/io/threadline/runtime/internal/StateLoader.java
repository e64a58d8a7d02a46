package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.state.internal.JsonPatch;
import io.threadline.state.internal.TypedPatch;
import io.threadline.state.StateCodec;
import io.threadline.state.StateMigration;
import io.threadline.state.StateSchema;

import java.util.Map;

/**
 * Turns a stored chain into a typed state of the current schema, migrating what older schema
 * versions wrote, and refusing what it cannot read (a newer version, a missing migration).
 *
 * <p>A chain may mix versions: a thread written under v1 and stepped under v3 has v1 snapshot and
 * deltas, then v3 deltas. Each delta applies to the state of its own version, so the state is
 * upcast exactly when the chain crosses a version, and once more to the current version at the end.
 */
public final class StateLoader<S> {

    private final StateSchema<S> schema;
    private final StateCodec codec;
    private final Map<Integer, StateMigration> migrations;
    /** Whether a chain of the current version may be read typed ({@link TypedPatch#fits}); decided on first use. */
    private volatile Boolean typedFits;

    public StateLoader(StateSchema<S> schema, StateCodec codec, Map<Integer, StateMigration> migrations) {
        this.schema = schema;
        this.codec = codec;
        this.migrations = migrations;
    }

    /** A state as JSON with the schema version it is written in. */
    public record VersionedTree(JsonNode tree, int version) {}

    public Head<S> head(CheckpointChain chain) {
        return new Head<>(chain.target(), state(chain), chain.snapshotBytes(), chain.deltaBytes(), chain.deltaReadBytes(),
                chain.snapshot().createdAt(), chain.snapshotReadBytes(), chain.checkpoints().size() - 1);
    }

    public S state(CheckpointChain chain) {
        S typed = typed(chain);
        return typed != null ? typed : decode(upcast(tree(chain)));
    }

    /**
     * The chain's state read typed: the snapshot decoded straight into the record and the deltas applied to it
     * ({@link TypedPatch}) — one pass over the state's JSON where the tree way makes three (parse into a tree, write
     * the patched tree back to text, decode that). Null where the chain needs the tree way: a checkpoint of another
     * schema version (migrations work on trees), or a delta {@link TypedPatch} leaves to {@link JsonPatch}.
     */
    private S typed(CheckpointChain chain) {
        for (Checkpoint cp : chain.checkpoints()) {
            if (cp.schemaVersion() != schema.version()) {
                return null;
            }
        }
        Boolean fits = typedFits;
        if (fits == null) {
            typedFits = fits = TypedPatch.fits(schema, codec);
        }
        if (!fits) {
            return null;
        }
        S snapshot;
        try {
            snapshot = codec.decode(chain.snapshot().change().json(), schema.type());
        } catch (RuntimeException e) {
            return null; // the tree way reads it, or says why it cannot
        }
        if (snapshot == null) {
            return null;
        }
        TypedPatch<S> patch = TypedPatch.from(schema, codec, snapshot);
        for (int i = 1; i < chain.checkpoints().size(); i++) {
            if (!patch.apply(chain.checkpoints().get(i).change().json())) {
                return null;
            }
        }
        S state = patch.state();
        return state == null ? null : schema.readOnly(state);
    }

    /** The chain's state in the version its last checkpoint was written in (for replaying that step as it ran). */
    public VersionedTree tree(CheckpointChain chain) {
        Checkpoint snapshot = chain.snapshot();
        check(snapshot);
        JsonNode state = codec.readTree(snapshot.change().json());
        int version = snapshot.schemaVersion();
        for (int i = 1; i < chain.checkpoints().size(); i++) {
            Checkpoint cp = chain.checkpoints().get(i);
            check(cp);
            if (cp.schemaVersion() > version) {
                state = upcast(new VersionedTree(state, version), cp.schemaVersion());
                version = cp.schemaVersion();
            }
            JsonPatch.apply(state, codec.readTree(cp.change().json()));
        }
        return new VersionedTree(state, version);
    }

    /** {@code tree} migrated to the current schema version. */
    public JsonNode upcast(VersionedTree tree) {
        return upcast(tree, schema.version());
    }

    /** {@code tree} migrated to version {@code to}. */
    public JsonNode upcast(VersionedTree tree, int to) {
        JsonNode state = tree.tree();
        for (int v = tree.version(); v < to; v++) {
            StateMigration migration = migrations.get(v);
            if (migration == null) {
                throw new ThreadlineException(ErrorCode.INTERNAL, "a stored state was written by schema v" + v
                        + " and no migration from v" + v + " to v" + (v + 1) + " is registered",
                        Map.of("storedVersion", v, "codeVersion", schema.version()));
            }
            state = migration.migrate((ObjectNode) state);
        }
        return state;
    }

    public S decode(JsonNode tree) {
        return schema.readOnly(codec.fromTree(tree, schema.type()));
    }

    private void check(Checkpoint cp) {
        if (cp.schemaVersion() > schema.version()) {
            throw new ThreadlineException(ErrorCode.INTERNAL,
                    "checkpoint " + cp.id() + " of thread " + cp.thread().threadId() + " was written by a newer schema (v"
                            + cp.schemaVersion() + ") than this code knows (v" + schema.version() + "); deploy the newer code to read it",
                    Map.of("checkpointId", cp.id().value(), "storedVersion", cp.schemaVersion(), "codeVersion", schema.version()));
        }
        if (cp.schemaVersion() < schema.version() && !migrations.containsKey(cp.schemaVersion())) {
            throw new ThreadlineException(ErrorCode.INTERNAL,
                    "checkpoint " + cp.id() + " of thread " + cp.thread().threadId() + " was written by schema v" + cp.schemaVersion()
                            + " and no migration to v" + schema.version() + " is registered",
                    Map.of("checkpointId", cp.id().value(), "storedVersion", cp.schemaVersion(), "codeVersion", schema.version()));
        }
    }
}
