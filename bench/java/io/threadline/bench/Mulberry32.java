package io.threadline.bench;

/**
 * The PRNG of W2 (../shared/bench-workload.md), bit for bit: mulberry32 on a 32-bit state, uniforms
 * {@code out / 2^32}, and normals by Box–Muller with both outputs used in order. Java's {@code int}
 * arithmetic wraps exactly like the unsigned 32-bit arithmetic the workload defines (multiplication
 * included), so only the final conversion needs the unsigned view.
 */
final class Mulberry32 {

    private int state;
    private boolean hasSpare;
    private double spare;

    Mulberry32(int seed) {
        this.state = seed;
    }

    /** The next 32-bit output, unsigned. */
    long nextUnsigned() {
        state += 0x6D2B79F5;
        int t = state;
        t = (t ^ (t >>> 15)) * (t | 1);
        t ^= t + (t ^ (t >>> 7)) * (t | 61);
        return Integer.toUnsignedLong(t ^ (t >>> 14));
    }

    /** In [0, 1). */
    double uniform() {
        return nextUnsigned() / 4294967296.0;
    }

    /** Box–Muller: u1 = 1 − uniform, u2 = uniform; r·cos θ first, then r·sin θ. */
    double normal() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u1 = 1 - uniform();
        double u2 = uniform();
        double r = Math.sqrt(-2 * Math.log(u1));
        double theta = 2 * Math.PI * u2;
        spare = r * Math.sin(theta);
        hasSpare = true;
        return r * Math.cos(theta);
    }
}
