package io.threadline.bench;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * Corpus B's "embedding model": the content {@code "vector i"} is embedded as the corpus's vector i (a look-up, so
 * W2 measures the store, not a model); any other text is a mistake of the benchmark.
 */
final class CorpusModel implements EmbeddingModel {

    private final float[][] vectors;

    CorpusModel(float[][] vectors) {
        this.vectors = vectors;
    }

    static String content(int i) {
        return "vector " + i;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        List<Embedding> out = new ArrayList<>(segments.size());
        for (TextSegment segment : segments) {
            String text = segment.text();
            if (!text.startsWith("vector ")) {
                throw new IllegalStateException("corpus B is vectors only; cannot embed " + text);
            }
            out.add(Embedding.from(vectors[Integer.parseInt(text.substring("vector ".length()))]));
        }
        return Response.from(out);
    }

    @Override
    public int dimension() {
        return W2CorpusB.DIMENSION;
    }
}
