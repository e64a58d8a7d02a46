package io.threadline.api;

import io.threadline.config.MemoryStores;
import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A memory store that stands still, as a frozen OpenSearch does: every search waits until the test
 * {@link #release}s it. Enabled only by the test profiles that name it.
 */
@Alternative
@ApplicationScoped
public class GatedMemoryStores extends MemoryStores {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    private final MemoryStore gated = new MemoryStore() {
        @Override
        public List<MemoryHit> search(MemoryQuery query, Instant now) {
            entered.countDown();
            try {
                if (!released.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the gated search");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return List.of();
        }

        @Override
        public PutResult put(MemoryWrite write, Instant now) {
            throw new UnsupportedOperationException("only search is gated");
        }

        @Override
        public Optional<MemoryRecord> get(String tenant, String id) {
            throw new UnsupportedOperationException("only search is gated");
        }

        @Override
        public boolean delete(String tenant, String id) {
            throw new UnsupportedOperationException("only search is gated");
        }

        @Override
        public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
            throw new UnsupportedOperationException("only search is gated");
        }

        @Override
        public MemoryForgetReport forgetThread(String tenant, String threadId) {
            throw new UnsupportedOperationException("only search is gated");
        }

        @Override
        public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
            throw new UnsupportedOperationException("only search is gated");
        }
    };

    @Override
    public Optional<MemoryStore> store() {
        return Optional.of(gated);
    }

    /** Waits until a search has entered the store (and so holds its request's worker). */
    public boolean awaitSearch(long timeout, TimeUnit unit) throws InterruptedException {
        return entered.await(timeout, unit);
    }

    /** Lets every search, waiting or to come, answer. */
    public void release() {
        released.countDown();
    }
}
