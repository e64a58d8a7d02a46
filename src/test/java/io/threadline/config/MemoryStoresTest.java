package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The memory's start-up choices over real configuration: a setting that cannot work is MISCONFIGURED naming its key
 * (a configuration change cures it, a retry does not), whichever caller meets it first — the store or memory-compact's
 * maintenance; and the maintenance is settled once. No node is asked (a client is built, never called).
 */
class MemoryStoresTest {

    private static void assertMisconfigured(ThrowingCallable call, String key) {
        assertThatThrownBy(call::call).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
            assertThat(e.details()).containsEntry("key", key);
        }).hasMessageContaining(key);
    }

    private interface ThrowingCallable {
        Object call();
    }

    @Test
    void anUnknownStoreKindIsMisconfiguredForTheStoreAndTheMaintenance() {
        MemoryStores stores = MemoryStoresFixture.of(Map.of("threadline.memory.store", "elastic"));
        assertMisconfigured(stores::store, "threadline.memory.store");
        assertMisconfigured(stores::maintenance, "threadline.memory.store");
        assertThatThrownBy(stores::maintenance).hasMessageContaining("'elastic'");
    }

    @Test
    void aStoreWithoutAnEmbeddingModelIsMisconfigured() {
        assertMisconfigured(() -> {
            MemoryStores.requireEmbeddings("opensearch", "default", false);
            return null;
        }, "threadline.models.embedding.provider");
        assertThatCode(() -> MemoryStores.requireEmbeddings("opensearch", "default", true)).doesNotThrowAnyException();
    }

    @Test
    void theMaintenanceIsSettledOnceAndKept() {
        MemoryStores opensearch = MemoryStoresFixture.of(Map.of("threadline.memory.store", "opensearch"));
        var first = opensearch.maintenance();
        assertThat(first).isPresent();
        assertThat(opensearch.maintenance()).isSameAs(first);
        MemoryStores inMemory = MemoryStoresFixture.of(Map.of("threadline.memory.store", "memory"));
        assertThat(inMemory.maintenance()).isEmpty();
        // Refusals are not kept as answers: each call refuses again.
        MemoryStores none = MemoryStoresFixture.of(Map.of("threadline.memory.store", "none"));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(none::maintenance).isInstanceOfSatisfying(ThreadlineException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        }
    }

    /**
     * Refused by the store's choice (at start-up, before anything is written) and by the maintenance alike. Where the
     * environment names a region (AWS_REGION, AWS_DEFAULT_REGION, aws.region) the chain finds it: the test is skipped
     * and checks nothing there. A profile region in ~/.aws/config does not skip it: the SDK is pointed at missing
     * profile files for the test.
     */
    @Test
    void signingWithoutARegionIsMisconfiguredForTheStoreAndTheMaintenance() {
        assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null
                && System.getProperty("aws.region") == null, "an AWS region is configured in this environment");
        Path missing = Path.of(System.getProperty("java.io.tmpdir"), "threadline-no-aws-profile-" + UUID.randomUUID());
        // The region chain's last link asks the EC2 metadata service: not here (it would wait for its timeouts).
        Map<String, String> properties = Map.of("aws.disableEc2Metadata", "true", "aws.configFile", missing.toString(),
                "aws.sharedCredentialsFile", missing.toString());
        Map<String, String> before = new HashMap<>();
        properties.forEach((key, value) -> before.put(key, System.setProperty(key, value)));
        try {
            Map<String, String> config = Map.of("threadline.memory.store", "opensearch",
                    "threadline.memory.opensearch.signing", "aws-sigv4",
                    // Bedrock's model is built on the first call: the choice does not need one in the build.
                    "threadline.models.embedding.provider", "bedrock");
            assertMisconfigured(MemoryStoresFixture.of(config)::store, "threadline.memory.opensearch.signing-region");
            assertMisconfigured(MemoryStoresFixture.of(config)::maintenance, "threadline.memory.opensearch.signing-region");
            assertThat(MemoryStoresFixture.of(withRegion(config)).store()).isPresent();
        } finally {
            before.forEach((key, value) -> {
                if (value == null) {
                    System.clearProperty(key);
                } else {
                    System.setProperty(key, value);
                }
            });
        }
    }

    private static Map<String, String> withRegion(Map<String, String> config) {
        Map<String, String> with = new HashMap<>(config);
        with.put("threadline.memory.opensearch.signing-region", "eu-west-1");
        return with;
    }
}
