package io.threadline.memory;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A deterministic stand-in for an embedding model in contract tests: a bag of words hashed into 64
 * dimensions, so similarity is word overlap and every expectation can be worked out by hand.
 * (MemorySemanticRecallTest uses the real in-process MiniLM.)
 */
public final class WordEmbeddingModel implements EmbeddingModel {

    public static final int DIMENSION = 64;

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        List<Embedding> out = new ArrayList<>();
        for (TextSegment segment : segments) {
            float[] v = new float[DIMENSION];
            for (String word : segment.text().toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
                if (!word.isEmpty()) {
                    v[Math.floorMod(word.hashCode(), DIMENSION)] += 1;
                }
            }
            out.add(Embedding.from(v));
        }
        return Response.from(out);
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }
}
