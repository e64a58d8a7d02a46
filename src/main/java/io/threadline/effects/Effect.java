package io.threadline.effects;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * One non-deterministic input a step consumed, in the order it was consumed.
 *
 * @param seq      position in the step's effect log, from 0
 * @param node     the node that made the call
 * @param attempt  the node's attempt (1-based) that made it
 * @param kind     model, tool, clock, id, recall — or the failure that ended the attempt
 * @param name     the model, tool or namespace; the exception type for a failure
 * @param request  what was asked (compared on replay: a different request is a divergence)
 * @param response what came back; {@code null} when the call failed
 * @param error    how the call failed, or {@code null}
 * @param reused   served from an earlier attempt's recorded result instead of being made again
 */
public record Effect(int seq, String node, int attempt, EffectKind kind, String name, JsonNode request, JsonNode response,
                     EffectError error, boolean reused) {

    public Effect {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public boolean failed() {
        return error != null;
    }

    /** Whether {@code other} asks the same thing: kind, name and request. */
    public boolean sameCall(EffectKind kind, String name, JsonNode request) {
        return this.kind == kind && this.name.equals(name) && Objects.equals(this.request, request);
    }

    /** A short description for reports: {@code TOOL calculator {"expression":"6*7"}}. */
    public String describe() {
        return kind + " " + name + (request == null || request.isNull() ? "" : " " + Effects.abbreviate(request.toString(), 200));
    }
}
