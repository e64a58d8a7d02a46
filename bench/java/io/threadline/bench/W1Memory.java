package io.threadline.bench;

import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.runtime.RuntimeOptions;

import java.util.Map;

/** {@code bench/run W1 memory}: W1 on the in-memory store. */
public final class W1Memory {

    private W1Memory() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs.parseOrExit(args, new BenchArgs("W1 memory", "bench/run W1 memory (no options)")::read);
        W1.Probe none = new W1.Probe() {
            public void reset() {
            }

            public Map<String, Double> perStep(long steps) {
                return Map.of();
            }
        };
        new W1("memory", InMemoryCheckpointStore::new, 1000, none, RuntimeOptions.defaults())
                .run("in-memory checkpoint store");
    }
}
