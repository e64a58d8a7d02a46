package io.threadline.effects.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.effects.CallFailure;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectError;
import io.threadline.effects.EffectKind;
import io.threadline.effects.NonDeterministicException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replay's side of an {@link EffectJournal}: the calls the step being replayed recorded, per node and attempt; which
 * attempt a replay runs and what each attempt is served; the divergence when the code asks something else (the first
 * one kept); a recorded failure thrown again.
 */
final class ReplayedEffects {

    /** The recorded calls of each (node, attempt), in order. */
    private final Map<String, Map<Integer, List<Effect>>> recorded = new LinkedHashMap<>();
    /** The first divergence found, kept even if a node catches the exception and goes on. */
    private NonDeterministicException divergence;

    ReplayedEffects(List<Effect> effects) {
        for (Effect e : effects) {
            recorded.computeIfAbsent(e.node(), k -> new TreeMap<>()).computeIfAbsent(e.attempt(), k -> new ArrayList<>()).add(e);
        }
    }

    /**
     * The attempt a replay runs first: the first recorded attempt that ran to an end (a failure, or the last one) — an
     * attempt cut off by a dying process cannot be run again.
     */
    int firstAttempt(String node) {
        Map<Integer, List<Effect>> attempts = recorded.getOrDefault(node, Map.of());
        int last = attempts.keySet().stream().mapToInt(Integer::intValue).max().orElse(1);
        for (Map.Entry<Integer, List<Effect>> a : attempts.entrySet()) {
            if (a.getKey() == last || a.getValue().stream().anyMatch(e -> e.kind() == EffectKind.FAILURE)) {
                return a.getKey();
            }
        }
        return 1;
    }

    /** What the attempt is served: its recorded calls, in order, without the attempt's own failure (the node throws that). */
    Deque<Effect> served(String node, int attempt) {
        Deque<Effect> queue = new ArrayDeque<>();
        for (Effect e : recorded.getOrDefault(node, Map.of()).getOrDefault(attempt, List.of())) {
            if (e.kind() != EffectKind.FAILURE) {
                queue.add(e);
            }
        }
        return queue;
    }

    /** {@code expected}, the next recorded call ({@code index}), when the code made that same call; else the divergence, thrown. */
    Effect expect(Effect expected, String node, int attempt, int index, EffectKind kind, String name, JsonNode request) {
        if (expected == null || !expected.sameCall(kind, name, request)) {
            throw diverged(node, attempt, index, expected, new Effect(0, node, attempt, kind, name, request, null, null, false));
        }
        return expected;
    }

    /** The first divergence found, or {@code null}. */
    NonDeterministicException divergence() {
        return divergence;
    }

    /** The divergence of this call, kept as {@link #divergence} when it is the first one found. */
    NonDeterministicException diverged(String node, int attempt, int index, Effect expected, Effect actual) {
        NonDeterministicException.Call want = asCall(expected);
        NonDeterministicException.Call got = asCall(actual);
        String where = "node '" + node + "' attempt " + attempt + ", call #" + (index + 1);
        String message = want == null ? where + ": the code made " + got + ", which was not recorded"
                : got == null ? where + ": the code did not make the recorded " + want
                : where + ": the code made " + got + " where " + want + " was recorded";
        NonDeterministicException e = new NonDeterministicException(
                new NonDeterministicException.Divergence(node, attempt, index, want, got, message));
        if (divergence == null) {
            divergence = e;
        }
        return e;
    }

    /** A recorded failure as the node saw it live: Threadline's own error rebuilt from its code, else a CallFailure. */
    static RuntimeException rethrow(EffectError error) {
        if (error.code() != null) {
            try {
                return new ThreadlineException(ErrorCode.valueOf(error.code()), error.message());
            } catch (IllegalArgumentException unknownCode) {
                return new CallFailure(error);
            }
        }
        return new CallFailure(error);
    }

    private static NonDeterministicException.Call asCall(Effect e) {
        return e == null ? null : new NonDeterministicException.Call(e.kind(), e.name(), e.request());
    }
}
