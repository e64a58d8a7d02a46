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
import jakarta.inject.Inject;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

import java.io.IOException;
import java.time.Clock;
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
    Clock clock;

    private final Settled<Optional<MemoryStore>> store = new Settled<>();

    /** The configured store; a deployment without one refuses memory operations plainly ({@code INVALID_INPUT}). */
    public MemoryStore required() {
        return store().orElseThrow(() -> new ThreadlineException(ErrorCode.INVALID_INPUT,
                "this deployment has no long-term memory (threadline.memory.store=none)", Map.of("memory", "none")));
    }

    /**
     * The configured store, or empty for {@code none}. Whether there is one, and that it can be built (a
     * known kind, an embedding model in the build, OpenSearch settings that can work, the signing region included:
     * else MISCONFIGURED naming the key), is settled here; the store itself — clients, model, the index check — is built on its first call
     * ({@link LazyMemoryStore}).
     */
    public Optional<MemoryStore> store() {
        return store.get(this::choose);
    }

    private Optional<MemoryStore> choose() {
        String kind = kind();
        if ("none".equals(kind)) {
            return Optional.empty();
        }
        // Bedrock's model is built on the first call, with the store; the build's bean is there or not now.
        requireEmbeddings(kind, models.embeddingProvider(), "bedrock".equals(models.embeddingProvider()) || models.embeddingModel().isPresent());
        // Resolved once, here: the store's lazy build signs with this region rather than resolving it again.
        Optional<AwsSigning> signing = "opensearch".equals(kind) ? check(config.opensearch()) : Optional.empty();
        return Optional.of(new LazyMemoryStore(() -> build(kind, signing)));
    }

    /**
     * {@code threadline.memory.store}: none, memory or opensearch; anything else is MISCONFIGURED naming the key, as
     * every other memory setting that cannot work (a retry does not cure it, a configuration change does).
     */
    private String kind() {
        String kind = config.store();
        if (!"none".equals(kind) && !"memory".equals(kind) && !"opensearch".equals(kind)) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.memory.store must be none, memory or opensearch, got '"
                    + kind + "'", Map.of("key", "threadline.memory.store"));
        }
        return kind;
    }

    /**
     * Refuses a store of {@code kind} without an embedding model to fill it ({@code available}: Bedrock's, built on the
     * first call, or the build's bean): MISCONFIGURED naming {@code threadline.models.embedding.provider}.
     */
    static void requireEmbeddings(String kind, String provider, boolean available) {
        if (!available) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.memory.store=" + kind + " needs an embedding model, and "
                    + "threadline.models.embedding.provider=" + provider + " has none in this build: set "
                    + "threadline.models.embedding.provider=bedrock, or build with -Dquarkus.langchain4j.embedding-model.provider=openai "
                    + "(and set QUARKUS_LANGCHAIN4J_OPENAI_API_KEY), or with the in-process MiniLM on the classpath (mvn -Plocal); "
                    + "see README, Long-term memory", Map.of("key", "threadline.models.embedding.provider"));
        }
    }

    /**
     * The OpenSearch settings a client is built from, checked before one is: a mistyped {@code signing} would
     * otherwise build an unsigned client (every request refused by the domain), a mistyped {@code signing-service} a
     * signer for no service. MISCONFIGURED naming the key (as the checkpoint store's settings are refused), so a caller
     * such as memory-compact answers what to change rather than an internal error. The signing region is resolved here
     * too, not first in the store's lazy build: there a missing one would surface on the first memory call — inside the
     * outbox, a ThreadlineException retried for ever, or halfway through an erasure. Returns the signing the client is
     * built with (empty for {@code signing=none}).
     */
    private static Optional<AwsSigning> check(MemoryConfig.OpenSearch os) {
        if (!"none".equals(os.signing()) && !"aws-sigv4".equals(os.signing())) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.memory.opensearch.signing must be none or aws-sigv4, got '"
                    + os.signing() + "'", Map.of("key", "threadline.memory.opensearch.signing"));
        }
        if (!"es".equals(os.signingService()) && !"aoss".equals(os.signingService())) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.memory.opensearch.signing-service must be es or aoss, got '"
                    + os.signingService() + "'", Map.of("key", "threadline.memory.opensearch.signing-service"));
        }
        return "aws-sigv4".equals(os.signing()) ? Optional.of(new AwsSigning(os.signingService(), signingRegion(os))) : Optional.empty();
    }

    private MemoryStore build(String kind, Optional<AwsSigning> signing) {
        Embeddings embeddings = new Embeddings(models.embeddingModel().orElseThrow());
        MemoryConfig.Score w = config.score();
        MemorySettings settings = new MemorySettings(config.mergeThreshold(),
                new MemoryScoring(w.similarity(), w.recency(), w.importance(), w.recencyHalfLife()), config.touchAfter(),
                new MemoryLimits(config.maxMetadataKeys(), config.maxMetadataValueBytes(), config.maxTtl()));
        if ("memory".equals(kind)) {
            return new InMemoryMemoryStore(embeddings, settings);
        }
        MemoryConfig.OpenSearch os = config.opensearch();
        OpenSearchClient client = client(os, signing);
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
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private OpenSearchClient client(MemoryConfig.OpenSearch os, Optional<AwsSigning> signing) {
        return signing.isPresent()
                ? OpenSearchClients.createSigned(os.url(), os.timeout(), os.connectTimeout(), clock, signing.get())
                : OpenSearchClients.create(os.url(), os.timeout(), os.connectTimeout(), clock);
    }

    /** Unsettled until {@link #maintenance()} first succeeds; then what it answers (empty for the in-memory store). */
    private final Settled<Optional<MemoryIndexMaintenance>> maintenance = new Settled<>();

    /**
     * The upkeep of the configured memory index ({@code memory-compact}): empty for the in-memory store, which has no
     * segments to merge. A deployment without memory, and one on OpenSearch Serverless (signing service {@code aoss},
     * which has no force merge: it manages its segments itself), are refused plainly: {@code INVALID_INPUT} with
     * {@code details.memory} {@code none} or {@code aoss}; settings that cannot work are MISCONFIGURED naming the key, as
     * the store's choice refuses them. Settled, and the client built, on the first call that succeeds, and kept.
     */
    public Optional<MemoryIndexMaintenance> maintenance() {
        return maintenance.get(this::buildMaintenance);
    }

    private Optional<MemoryIndexMaintenance> buildMaintenance() {
        String kind = kind();
        if ("none".equals(kind)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "this deployment has no long-term memory (threadline.memory.store=none): nothing to compact", Map.of("memory", "none"));
        }
        if ("memory".equals(kind)) {
            return Optional.empty();
        }
        MemoryConfig.OpenSearch os = config.opensearch();
        Optional<AwsSigning> signing = check(os); // as the store's choice does
        if ("aoss".equals(os.signingService())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "the memory is an OpenSearch "
                    + "Serverless collection (threadline.memory.opensearch.signing-service=aoss), which has no force merge: it "
                    + "manages its segments itself; nothing to compact", Map.of("memory", "aoss"));
        }
        return Optional.of(new MemoryIndexMaintenance(client(os, signing), os.index()));
    }

    private static String signingRegion(MemoryConfig.OpenSearch os) {
        if (os.signingRegion().isPresent()) {
            return os.signingRegion().get();
        }
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion().id();
        } catch (SdkClientException e) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "no AWS region to sign OpenSearch requests for: set "
                    + "threadline.memory.opensearch.signing-region or AWS_REGION", Map.of("key", "threadline.memory.opensearch.signing-region"), e);
        }
    }
}
