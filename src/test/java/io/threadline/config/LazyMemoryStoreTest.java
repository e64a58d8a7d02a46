package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.Embeddings;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The memory store is built on its first call, once; a build that fails is tried again on the next call. */
class LazyMemoryStoreTest {

    private final AtomicInteger builds = new AtomicInteger();

    @Test
    void buildsNothingUntilItsFirstCallThenOnce() {
        LazyMemoryStore lazy = new LazyMemoryStore(() -> {
            builds.incrementAndGet();
            return store();
        });
        assertThat(builds).hasValue(0);

        assertThat(lazy.get("acme", "m-1")).isEmpty();
        assertThat(lazy.delete("acme", "m-1")).isFalse();
        assertThat(lazy.prune("acme", 10, Instant.EPOCH).expiredIds()).isEmpty();
        assertThat(builds).hasValue(1);
    }

    @Test
    void aFailedBuildIsNotKept() {
        LazyMemoryStore lazy = new LazyMemoryStore(() -> {
            if (builds.incrementAndGet() == 1) {
                throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "OpenSearch is unreachable", Map.of());
            }
            return store();
        });

        assertThatThrownBy(() -> lazy.get("acme", "m-1")).isInstanceOf(ThreadlineException.class)
                .extracting(e -> ((ThreadlineException) e).code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        assertThat(lazy.get("acme", "m-1")).isEmpty();
        assertThat(lazy.get("acme", "m-2")).isEmpty();
        assertThat(builds).hasValue(2);
    }

    private static MemoryStore store() {
        return new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
    }
}
