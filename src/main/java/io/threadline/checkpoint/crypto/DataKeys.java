package io.threadline.checkpoint.crypto;

import io.threadline.ErrorCode;
import io.threadline.Sha256;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A thread's data key in plaintext, for this process: made on the thread's first write ({@link KeyProvider#generate},
 * stored wrapped in the {@link DataKeyStore} — the first of two racing writers wins, the other uses its key),
 * unwrapped on a read, and kept in a bounded cache so a warm thread costs no key-service call per step. A cached key
 * lives at most {@code lifetime}: another process's cache is how long a deleted thread's key outlives its delete
 * there, so the lifetime bounds that window (and how long a plaintext key stays in a warm process's memory).
 *
 * <p>Every sealed payload names its key by a fingerprint (the first bytes of the wrapped key's SHA-256): a thread
 * deleted and started again gets a new key, and a process still holding the old one in its cache finds out by
 * the fingerprint and reads the store again, instead of failing or sealing a new thread with a shredded key
 * (a first write never trusts the cache).
 */
final class DataKeys {

    static final int FINGERPRINT_BYTES = 8;

    /** A plaintext key and the fingerprint of its wrapped form. */
    record Key(byte[] plaintext, byte[] fingerprint) {}

    /** A cached key and when it stops being served from the cache. */
    private record Cached(Key key, Instant until) {}

    private final KeyProvider provider;
    private final DataKeyStore store;
    private final int capacity;
    private final Clock clock;
    private final Duration lifetime;
    private final Map<ThreadKey, Cached> cache;

    DataKeys(KeyProvider provider, DataKeyStore store, int capacity, Clock clock, Duration lifetime) {
        this.provider = provider;
        this.store = store;
        this.capacity = capacity;
        this.clock = clock;
        this.lifetime = lifetime;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ThreadKey, Cached> eldest) {
                return size() > DataKeys.this.capacity;
            }
        };
    }

    /**
     * The key to seal the thread's next write with; made and stored if the thread has none. {@code firstWrite}
     * (a new thread) reads the store, never the cache: the id may have been deleted and begun again elsewhere.
     */
    Key forWrite(ThreadKey thread, boolean firstWrite) {
        Optional<Key> known = firstWrite ? load(thread) : cached(thread).or(() -> load(thread));
        if (known.isPresent()) {
            return known.get();
        }
        DataKey made = provider.generate(thread);
        if (store.putIfAbsent(thread, made.wrapped())) {
            return remember(thread, new Key(made.plaintext(), fingerprint(made.wrapped())));
        }
        return load(thread).orElseThrow(() -> new IllegalStateException("a data key was stored and is gone"));
    }

    /**
     * The key a payload sealed under {@code fingerprint} needs; {@code THREAD_DELETED} when it is gone: the thread was
     * deleted (or is being deleted), and what was read is a copy left behind — crypto-shredded.
     */
    Key forRead(ThreadKey thread, byte[] fingerprint) {
        Optional<Key> cached = cached(thread);
        if (cached.isPresent() && Arrays.equals(cached.get().fingerprint(), fingerprint)) {
            return cached.get();
        }
        Optional<Key> stored = load(thread);
        if (stored.isPresent() && Arrays.equals(stored.get().fingerprint(), fingerprint)) {
            return stored.get();
        }
        throw new ThreadlineException(ErrorCode.THREAD_DELETED, "thread " + thread.threadId() + " holds data encrypted under a"
                + " data key that was deleted (the thread was deleted, and this is a copy of it — e.g. a restored backup):"
                + " it cannot be read", Map.of("thread", thread.threadId()));
    }

    /** Whether the key of {@code fingerprint} is the thread's stored key now (read from the store, not the cache). */
    boolean isStored(ThreadKey thread, byte[] fingerprint) {
        Optional<byte[]> wrapped = store.get(thread);
        return wrapped.isPresent() && Arrays.equals(fingerprint(wrapped.get()), fingerprint);
    }

    /** Forgets the thread's key everywhere: its encrypted data, wherever a copy of it is, is unreadable. */
    boolean shred(ThreadKey thread) {
        synchronized (cache) {
            cache.remove(thread);
        }
        return store.delete(thread);
    }

    private Optional<Key> cached(ThreadKey thread) {
        synchronized (cache) {
            Cached cached = cache.get(thread);
            if (cached == null) {
                return Optional.empty();
            }
            if (!clock.instant().isBefore(cached.until())) {
                cache.remove(thread);
                return Optional.empty();
            }
            return Optional.of(cached.key());
        }
    }

    private Optional<Key> load(ThreadKey thread) {
        Optional<byte[]> wrapped = store.get(thread);
        if (wrapped.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(remember(thread, new Key(provider.unwrap(thread, wrapped.get()), fingerprint(wrapped.get()))));
    }

    private Key remember(ThreadKey thread, Key key) {
        if (capacity > 0 && !lifetime.isZero() && !lifetime.isNegative()) {
            synchronized (cache) {
                Instant now = clock.instant();
                // A lifetime past the end of time (the default: as long as the process runs) must not overflow.
                Instant until = lifetime.compareTo(Duration.between(now, Instant.MAX)) >= 0 ? Instant.MAX : now.plus(lifetime);
                cache.put(thread, new Cached(key, until));
            }
        }
        return key;
    }

    static byte[] fingerprint(byte[] wrapped) {
        return Arrays.copyOf(Sha256.of(wrapped), FINGERPRINT_BYTES);
    }
}
