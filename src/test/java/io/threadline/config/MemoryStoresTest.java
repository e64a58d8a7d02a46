package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.util.Map;

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

    @Test
    void signingWithoutARegionIsMisconfigured() {
        assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null
                && System.getProperty("aws.region") == null && System.getenv("AWS_CONFIG_FILE") == null,
                "an AWS region is configured in this environment");
        // The region chain's last link asks the EC2 metadata service: not here (it would wait for its timeouts).
        String before = System.setProperty("aws.disableEc2Metadata", "true");
        try {
            MemoryStores stores = MemoryStoresFixture.of(Map.of("threadline.memory.store", "opensearch",
                    "threadline.memory.opensearch.signing", "aws-sigv4"));
            assertMisconfigured(stores::maintenance, "threadline.memory.opensearch.signing-region");
        } finally {
            if (before == null) {
                System.clearProperty("aws.disableEc2Metadata");
            } else {
                System.setProperty("aws.disableEc2Metadata", before);
            }
        }
    }
}
