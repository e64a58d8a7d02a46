package io.threadline.config;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemoryLimits;
import io.threadline.memory.MemoryScoring;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.opensearch.AwsSigning;
import io.threadline.memory.opensearch.MemoryIndexMaintenance;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.opensearch.client.opensearch.OpenSearchClient;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.Optional;

/**
 * The application's long-term memory, chosen by {@code threadline.memory.store}, built on its first
 * call (no client, index check or model loading at start-up, even though the runtime holding it is built then). Embeddings come from the application's langchain4j
 * {@link EmbeddingModel} that {@link ModelChoice} names: the build's bean — the in-process MiniLM when its artifact is
 * on the classpath (local runs, tests), or OpenAI configured through {@code quarkus.langchain4j.*} — or Amazon Bedrock's
 * ({@code threadline.models.embedding.provider=bedrock}, Lambda).
 */
@ApplicationScoped
public class MemoryStores {

    @Inject
    MemoryConfig config;

    @Inject
    ModelChoice models;

    @Inject
    java.time.Clock clock;

    private volatile Optional<MemoryStore> store;

    /**
     * The configured store, or empty for {@code none}. Whether there is one, and that it can be built (a
     * known kind, an embedding model in the build), is settled here; the store itself — clients, model,
     * the index check — is built on its first call ({@link LazyMemoryStore}).
     */
    /** The configured store; a deployment without one refuses memory operations plainly ({@code INVALID_INPUT}). */
    public MemoryStore required() {
        return store().orElseThrow(() -> new io.threadline.ThreadlineException(io.threadline.ErrorCode.INVALID_INPUT,
                "this deployment has no long-term memory (threadline.memory.store=none)", java.util.Map.of("memory", "none")));
    }

    public Optional<MemoryStore> store() {
        Optional<MemoryStore> s = store;
        if (s == null) {
            synchronized (this) {
                if (store == null) {
                    store = choose();
                }
                s = store;
            }
        }
        return s;
    }

    private Optional<MemoryStore> choose() {
        String kind = config.store();
        if ("none".equals(kind)) {
            return Optional.empty();
        }
        if (!"memory".equals(kind) && !"opensearch".equals(kind)) {
            throw new IllegalStateException("threadline.memory.store must be none, memory or opensearch, got '" + kind + "'");
        }
        // Bedrock's model is built on the first call, with the store; the build's bean is there or not now.
        if (!"bedrock".equals(models.embeddingProvider()) && models.embeddingModel().isEmpty()) {
            throw new IllegalStateException("threadline.memory.store=" + kind + " needs an embedding model: set "
                    + "threadline.models.embedding.provider=bedrock, or build with -Dquarkus.langchain4j.embedding-model.provider=openai "
                    + "(and set QUARKUS_LANGCHAIN4J_OPENAI_API_KEY), or with the in-process MiniLM on the classpath (mvn -Plocal); "
                    + "see README, Long-term memory");
        }
        if ("opensearch".equals(kind)) {
            check(config.opensearch());
        }
        return Optional.of(new LazyMemoryStore(() -> build(kind)));
    }

    /**
     * The OpenSearch settings a client is built from, checked before one is: a mistyped {@code signing} would
     * otherwise build an unsigned client (every request refused by the domain), a mistyped {@code signing-service} a
     * signer for no service. MISCONFIGURED naming the key (as the checkpoint store's settings are refused), so a caller
     * such as memory-compact answers what to change rather than an internal error.
     */
    private static void check(MemoryConfig.OpenSearch os) {
        if (!"none".equals(os.signing()) && !"aws-sigv4".equals(os.signing())) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.memory.opensearch.signing must be none or aws-sigv4, got '"
                    + os.signing() + "'", Map.of("key", "threadline.memory.opensearch.signing"));
        }
        if (!"es".equals(os.signingService()) && !"aoss".equals(os.signingService())) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.memory.opensearch.signing-service must be es or aoss, got '"
                    + os.signingService() + "'", Map.of("key", "threadline.memory.opensearch.signing-service"));
        }
    }

    private MemoryStore build(String kind) {
        Embeddings embeddings = new Embeddings(models.embeddingModel().orElseThrow());
        MemoryConfig.Score w = config.score();
        MemorySettings settings = new MemorySettings(config.mergeThreshold(),
                new MemoryScoring(w.similarity(), w.recency(), w.importance(), w.recencyHalfLife()), config.touchAfter(),
                new MemoryLimits(config.maxMetadataKeys(), config.maxMetadataValueBytes(), config.maxTtl()));
        if ("memory".equals(kind)) {
            return new InMemoryMemoryStore(embeddings, settings);
        }
        MemoryConfig.OpenSearch os = config.opensearch();
        OpenSearchClient client = client(os);
        try {
            OpenSearchMemoryStore opensearch = new OpenSearchMemoryStore(client, embeddings, settings,
                    new OpenSearchMemorySettings(os.index(), os.engine(), embeddings.dimension(), os.candidates(), os.efSearch(),
                            os.m(), os.efConstruction(), os.bulkSize(), os.sweepPage()));
            opensearch.ensureIndex();
            return opensearch;
        } catch (RuntimeException e) {
            // Not kept (the next call builds again): release this attempt's connections.
            try {
                client._transport().close();
            } catch (java.io.IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private OpenSearchClient client(MemoryConfig.OpenSearch os) {
        return "aws-sigv4".equals(os.signing())
                ? OpenSearchClients.createSigned(os.url(), os.timeout(), os.connectTimeout(), clock,
                        new AwsSigning(os.signingService(), signingRegion(os)))
                : OpenSearchClients.create(os.url(), os.timeout(), os.connectTimeout(), clock);
    }

    private volatile MemoryIndexMaintenance maintenance;

    /**
     * The upkeep of the configured memory index ({@code memory-compact}): empty for the in-memory store, which has no
     * segments to merge. A deployment without memory, and one on OpenSearch Serverless (signing service {@code aoss},
     * which has no force merge: it manages its segments itself), are refused plainly: {@code INVALID_INPUT} with
     * {@code details.memory} {@code none} or {@code aoss}. The client is built on the first call and kept.
     */
    public Optional<MemoryIndexMaintenance> maintenance() {
        String kind = config.store();
        String service = null;
        if ("opensearch".equals(kind)) {
            check(config.opensearch()); // as the store's choice does
            service = config.opensearch().signingService();
        }
        if (!compactable(kind, service)) {
            return Optional.empty();
        }
        MemoryIndexMaintenance m = maintenance;
        if (m == null) {
            synchronized (this) {
                if (maintenance == null) {
                    maintenance = new MemoryIndexMaintenance(client(config.opensearch()), config.opensearch().index());
                }
                m = maintenance;
            }
        }
        return Optional.of(m);
    }

    /**
     * Whether memory of this kind (and, on OpenSearch, signing service) has an index to compact: true for OpenSearch,
     * false for the in-memory store; no memory or a Serverless collection is {@code INVALID_INPUT}.
     */
    public static boolean compactable(String kind, String signingService) {
        if ("none".equals(kind)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "this deployment has no long-term memory (threadline.memory.store=none): nothing to compact", Map.of("memory", "none"));
        }
        if ("memory".equals(kind)) {
            return false;
        }
        if (!"opensearch".equals(kind)) {
            throw new IllegalStateException("threadline.memory.store must be none, memory or opensearch, got '" + kind + "'");
        }
        if ("aoss".equals(signingService)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "the memory is an OpenSearch "
                    + "Serverless collection (threadline.memory.opensearch.signing-service=aoss), which has no force merge: it "
                    + "manages its segments itself; nothing to compact", Map.of("memory", "aoss"));
        }
        return true;
    }

    private static String signingRegion(MemoryConfig.OpenSearch os) {
        if (os.signingRegion().isPresent()) {
            return os.signingRegion().get();
        }
        try {
            return software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain.builder().build().getRegion().id();
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            throw new IllegalStateException("no AWS region to sign OpenSearch requests for: set threadline.memory.opensearch.signing-region "
                    + "or AWS_REGION", e);
        }
    }
}
