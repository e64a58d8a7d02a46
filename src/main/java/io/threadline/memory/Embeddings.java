package io.threadline.memory;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Text to unit vectors through langchain4j's {@link EmbeddingModel} (in-process MiniLM locally, a
 * hosted model in Lambda), plus the hashes and ids memories are keyed by.
 */
public final class Embeddings {

    private final EmbeddingModel model;

    public Embeddings(EmbeddingModel model) {
        this.model = model;
    }

    public float[] embed(String text) {
        return embedAll(List.of(text))[0];
    }

    /**
     * The unit vectors of several texts, in their order, in one call of the model (one request to a hosted model that
     * takes batches, where {@link #embed} per text would be one each).
     */
    public float[][] embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        List<Embedding> vectors;
        try {
            vectors = model.embedAll(texts.stream().map(TextSegment::from).toList()).content();
        } catch (RuntimeException e) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "the embedding model failed: " + e.getMessage(),
                    Map.of(), e);
        }
        if (vectors == null || vectors.size() != texts.size()) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "the embedding model answered "
                    + (vectors == null ? 0 : vectors.size()) + " vectors for " + texts.size() + " texts", Map.of());
        }
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = normalized(vectors.get(i).vector());
        }
        return out;
    }

    public int dimension() {
        return model.dimension();
    }

    /** The vector scaled to unit length (a zero vector stays zero). */
    public static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = norm == 0 ? 0 : (float) (v[i] / norm);
        }
        return out;
    }

    /** Cosine similarity of two unit vectors. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id of a write that names none: the same tenant, namespace and content always give the same id. */
    public static String defaultId(MemoryWrite write) {
        return "m-" + sha256(write.tenant() + "\n" + write.namespace() + "\n" + write.content()).substring(0, 32);
    }
}
