package io.threadline.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * W2 corpus B (../shared/bench-workload.md): 100,000 unit vectors of dimension 384 around 1,000
 * centres (seed 42) and 200 queries near random centres (seed 7), or the same from files
 * (little-endian float32, row-major, 384 columns).
 */
final class W2CorpusB {

    static final int DIMENSION = 384;
    static final int CENTRES = 1000;
    static final int SIZE = 100_000;
    static final int QUERIES = 200;
    static final int CORPUS_SEED = 42;
    static final int QUERY_SEED = 7;
    /** Noise of total length ≈ 0.35. */
    static final double SIGMA = 0.35 / Math.sqrt(DIMENSION);

    final float[][] vectors;
    final float[][] queries;
    final String source;

    private W2CorpusB(float[][] vectors, float[][] queries, String source) {
        this.vectors = vectors;
        this.queries = queries;
        this.source = source;
    }

    /** The spec's corpus, truncated to its first {@code n} vectors (n = 100,000 is the spec). */
    static W2CorpusB generate(int n) {
        Mulberry32 rng = new Mulberry32(CORPUS_SEED);
        double[][] centres = new double[CENTRES][];
        for (int c = 0; c < CENTRES; c++) {
            double[] centre = new double[DIMENSION];
            for (int d = 0; d < DIMENSION; d++) {
                centre[d] = rng.normal();
            }
            centres[c] = normalised(centre);
        }
        float[][] vectors = new float[n][];
        for (int i = 0; i < n; i++) {
            vectors[i] = near(centres[i % CENTRES], rng);
        }
        Mulberry32 q = new Mulberry32(QUERY_SEED);
        float[][] queries = new float[QUERIES][];
        for (int i = 0; i < QUERIES; i++) {
            int c = (int) Math.floor(q.uniform() * CENTRES);
            queries[i] = near(centres[c], q);
        }
        return new W2CorpusB(vectors, queries, n == SIZE ? "generated (spec: seeds 42 and 7, sigma 0.35/sqrt(384))"
                : "generated (spec seeds 42 and 7, sigma 0.35/sqrt(384)), first " + n + " of " + SIZE + " vectors");
    }

    /** centre + σ·(384 normals), normalised in double precision, then stored as float32. */
    private static float[] near(double[] centre, Mulberry32 rng) {
        double[] v = new double[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            v[d] = centre[d] + SIGMA * rng.normal();
        }
        double[] unit = normalised(v);
        float[] out = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            out[d] = (float) unit[d];
        }
        return out;
    }

    private static double[] normalised(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }

    static W2CorpusB read(Path corpus, Path queries, int limit) throws IOException {
        float[][] v = readMatrix(corpus);
        if (limit < v.length) {
            v = Arrays.copyOf(v, limit);
        }
        return new W2CorpusB(v, readMatrix(queries), "files " + corpus + " (" + v.length + " vectors) and " + queries);
    }

    /** Little-endian float32, row-major, 384 columns; rows that are not unit length are normalised (in double). */
    static float[][] readMatrix(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int row = DIMENSION * Float.BYTES;
        if (bytes.length == 0 || bytes.length % row != 0) {
            throw new IllegalArgumentException(file + ": " + bytes.length + " bytes is not a whole number of 384-float rows");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[bytes.length / row][DIMENSION];
        for (float[] r : out) {
            double norm = 0;
            for (int d = 0; d < DIMENSION; d++) {
                r[d] = buffer.getFloat();
                norm += (double) r[d] * r[d];
            }
            norm = Math.sqrt(norm);
            if (Math.abs(norm - 1) > 1e-4 && norm > 0) {
                for (int d = 0; d < DIMENSION; d++) {
                    r[d] = (float) (r[d] / norm);
                }
            }
        }
        return out;
    }

    static void write(float[][] rows, Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(rows.length * DIMENSION * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] r : rows) {
            for (float x : r) {
                buffer.putFloat(x);
            }
        }
        Files.write(file, buffer.array());
    }

    /** A fingerprint other implementations can compare: the first components and a checksum. */
    static String fingerprint(float[][] rows) {
        double sum = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int d = 0; d < DIMENSION; d++) {
                sum += rows[i][d] * (double) ((i + d) % 7 - 3);
            }
        }
        return String.format(Locale.ROOT, "row0[0..3] = %.9f %.9f %.9f %.9f, checksum sum(x[i][d]*((i+d)%%7-3)) = %.6f",
                rows[0][0], rows[0][1], rows[0][2], rows[0][3], sum);
    }
}
