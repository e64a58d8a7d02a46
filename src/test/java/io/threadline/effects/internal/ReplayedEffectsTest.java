package io.threadline.effects.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectKind;
import io.threadline.effects.NonDeterministicException;
import org.junit.jupiter.api.Test;

import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayedEffectsTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private static Effect tool(int seq, String name, String arg) {
        return new Effect(seq, "act", 1, EffectKind.TOOL, name, JSON.objectNode().put("arg", arg), JSON.textNode("ok"), null, false);
    }

    /**
     * A node may catch the divergence and go on; the replay's verdict must still name the first call that differed,
     * not a later one the catching made.
     */
    @Test
    void theFirstDivergenceIsKeptWhenANodeCatchesItAndDivergesAgain() {
        ReplayedEffects replayed = new ReplayedEffects(List.of(tool(1, "search", "a"), tool(2, "search", "b")));
        Deque<Effect> served = replayed.served("act", 1);
        assertThat(served).hasSize(2);

        Effect first = served.poll();
        assertThatThrownBy(() -> replayed.expect(first, "act", 1, 0, EffectKind.TOOL, "search", JSON.objectNode().put("arg", "x")))
                .isInstanceOf(NonDeterministicException.class);
        Effect second = served.poll();
        assertThatThrownBy(() -> replayed.expect(second, "act", 1, 1, EffectKind.TOOL, "lookup", JSON.objectNode().put("arg", "b")))
                .isInstanceOf(NonDeterministicException.class);

        assertThat(replayed.divergence()).isNotNull();
        assertThat(replayed.divergence().getMessage()).contains("call #1").doesNotContain("call #2");
    }

    @Test
    void aCallThatMatchesTheRecordIsServedItAndLeavesNoDivergence() {
        ReplayedEffects replayed = new ReplayedEffects(List.of(tool(1, "search", "a")));
        Effect recorded = replayed.served("act", 1).poll();
        assertThat(replayed.expect(recorded, "act", 1, 0, EffectKind.TOOL, "search", JSON.objectNode().put("arg", "a"))).isSameAs(recorded);
        assertThat(replayed.divergence()).isNull();
    }
}
