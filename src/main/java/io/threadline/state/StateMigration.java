package io.threadline.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Upcasts a stored state, as JSON, from one schema version to the next (v → v+1): rename a field,
 * split one, fill a new one. Registered per source version; stored checkpoints are migrated on load
 * through the chain v1 → v2 → … → current, never rewritten in the store.
 */
@FunctionalInterface
public interface StateMigration {
    /** The state of version v turned into version v+1; may change {@code state} in place and return it. */
    ObjectNode migrate(ObjectNode state);
}
