package io.threadline.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The {@code threadline.memory.*} keys (documented in README.md). */
@ConfigMapping(prefix = "threadline.memory")
public interface MemoryConfig {

    /** {@code none} (steps have no long-term memory), {@code memory} (in this process) or {@code opensearch}. */
    @WithDefault("none")
    String store();

    /** Cosine similarity at or above which a write merges into an existing memory. */
    @WithDefault("0.95")
    double mergeThreshold();

    /** A search moves a returned memory's access time to now when it is older than this (zero: every hit, every search). */
    @WithDefault("PT1H")
    Duration touchAfter();

    /** Metadata entries one memory-put may carry, and one memory keeps at most after merges. */
    @WithDefault("32")
    int maxMetadataKeys();

    /** UTF-8 bytes of one metadata value (or metadata filter value). */
    @WithDefault("512")
    int maxMetadataValueBytes();

    /** The longest time to live of a memory ({@code ttlSeconds} of memory-put). */
    @WithDefault("P3650D")
    Duration maxTtl();

    Score score();

    OpenSearch opensearch();

    /** Weights of the search score. */
    interface Score {
        @WithDefault("0.8")
        double similarity();

        @WithDefault("0.1")
        double recency();

        @WithDefault("0.1")
        double importance();

        @WithDefault("P30D")
        Duration recencyHalfLife();
    }

    /** The OpenSearch store. */
    interface OpenSearch {
        @WithDefault("http://127.0.0.1:9200")
        URI url();

        @WithDefault("threadline-memories")
        String index();

        /** {@code lucene} (any node) or {@code faiss} (Amazon OpenSearch Service). */
        @WithDefault("lucene")
        String engine();

        /** Nearest neighbours fetched per hit asked for, before re-ranking. */
        @WithDefault("4")
        int candidates();

        /**
         * The HNSW search's candidate list per query ({@code ef_search}; 0 = the engine's, i.e. the k asked for): the
         * recall/latency knob. bench/README.md ("W2") has the measured trade-off behind the default.
         */
        @WithDefault("100")
        int efSearch();

        /** HNSW links per vector, for an index created from now on. */
        @WithDefault("16")
        int m();

        /** HNSW candidate list while indexing, for an index created from now on. */
        @WithDefault("100")
        int efConstruction();

        /**
         * Writes per bulk request of a batch ({@code MemoryStore.putAll}: a step's memory writes, an import): each such
         * run of writes is one store call, within {@link #timeout()}.
         */
        @WithDefault("500")
        int bulkSize();

        /** Memories read and deleted per page when pruning or forgetting walks a tenant (each page is one store call). */
        @WithDefault("1000")
        int sweepPage();

        /**
         * Longest store call — a search, or a write with all its requests — and each request's response timeout;
         * in Lambda also cut at the invocation's end less {@code threadline.api.dependency-reserve}.
         */
        @WithDefault("PT5S")
        Duration timeout();

        /** Longest TCP connect to the node. */
        @WithDefault("PT1S")
        Duration connectTimeout();

        /** {@code none} (a local node) or {@code aws-sigv4}: every request signed with the function's role (AWS). */
        @WithDefault("none")
        String signing();

        /** What the signature is for: {@code es} (Amazon OpenSearch Service domain) or {@code aoss} (Serverless). */
        @WithDefault("es")
        String signingService();

        /** The region of the signature; without it the SDK's region chain ({@code AWS_REGION} in Lambda). */
        Optional<String> signingRegion();
    }
}
