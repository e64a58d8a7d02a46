package io.threadline.checkpoint.crypto;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cache lifetime ({@code threadline.encryption.key-cache-lifetime}) bounds how long a process that cached a
 * thread's key can still read the thread after another process shredded the key, and how often a warm thread costs
 * a key-service call.
 */
class DataKeysLifetimeTest {

    /** A clock tests move by hand. */
    private static final class Manual extends Clock {
        Instant now = Instant.parse("2026-12-06T15:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A local provider that counts unwraps (each is a KMS Decrypt in AWS). */
    private static final class Counting implements KeyProvider {
        final LocalKeyProvider local = new LocalKeyProvider(new SecureRandom().generateSeed(32), new SecureRandom());
        final AtomicInteger unwraps = new AtomicInteger();

        @Override
        public DataKey generate(ThreadKey thread) {
            return local.generate(thread);
        }

        @Override
        public byte[] unwrap(ThreadKey thread, byte[] wrapped) {
            unwraps.incrementAndGet();
            return local.unwrap(thread, wrapped);
        }
    }

    private final ThreadKey thread = ThreadKey.of("acme", "t-1");

    @Test
    void aCachedKeyIsServedForItsLifetimeOnlyThenTheStoreDecides() {
        Manual clock = new Manual();
        Counting provider = new Counting();
        InMemoryDataKeyStore shared = new InMemoryDataKeyStore();
        DataKeys writer = new DataKeys(provider, shared, 16, clock, Duration.ofMinutes(5));
        DataKeys.Key key = writer.forWrite(thread, true);
        DataKeys reader = new DataKeys(provider, shared, 16, clock, Duration.ofMinutes(5));
        assertThat(reader.forRead(thread, key.fingerprint()).plaintext()).isEqualTo(key.plaintext());
        int unwraps = provider.unwraps.get();

        clock.now = clock.now.plus(Duration.ofMinutes(4));
        reader.forRead(thread, key.fingerprint());
        assertThat(provider.unwraps.get()).as("warm: no key-service call").isEqualTo(unwraps);

        // Another process deletes the thread: this one may still read within the lifetime, never after it.
        writer.shred(thread);
        assertThat(reader.forRead(thread, key.fingerprint()).plaintext()).isEqualTo(key.plaintext());
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThatThrownBy(() -> reader.forRead(thread, key.fingerprint())).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_DELETED));
    }

    @Test
    void aZeroLifetimeCachesNothing() {
        Counting provider = new Counting();
        DataKeys keys = new DataKeys(provider, new InMemoryDataKeyStore(), 16, new Manual(), Duration.ZERO);
        DataKeys.Key key = keys.forWrite(thread, true);
        keys.forRead(thread, key.fingerprint());
        keys.forRead(thread, key.fingerprint());
        assertThat(provider.unwraps.get()).isEqualTo(2);
    }
}
