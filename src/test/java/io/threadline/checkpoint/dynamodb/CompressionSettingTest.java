package io.threadline.checkpoint.dynamodb;

import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code threadline.dynamodb.compression}, {@code zstd-above-bytes} and {@code deltas-per-pack} as the store's producer reads
 * them into the store's settings.
 */
class CompressionSettingTest {

    /** The config with its documented defaults, {@code compression} as given. */
    private static DynamoDbStoreConfig config(String compression) {
        return config(compression, DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES);
    }

    /** The config with its documented defaults, {@code compression} and {@code zstd-above-bytes} as given. */
    private static DynamoDbStoreConfig config(String compression, int zstdAboveBytes) {
        return config(compression, zstdAboveBytes, DynamoDbStoreSettings.DEFAULT_DELTAS_PER_PACK);
    }

    private static DynamoDbStoreConfig config(String compression, int zstdAboveBytes, int deltasPerPack) {
        return (DynamoDbStoreConfig) Proxy.newProxyInstance(DynamoDbStoreConfig.class.getClassLoader(),
                new Class<?>[]{DynamoDbStoreConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "table" -> "threadline";
                    case "compression" -> compression;
                    case "zstdAboveBytes" -> zstdAboveBytes;
                    case "compressAboveBytes" -> 256;
                    case "maxItemBytes" -> 350_000;
                    case "maxCheckpointBytes" -> 3_000_000;
                    case "checkpointTtl" -> Optional.empty();
                    case "idempotencyTtl" -> Duration.ofHours(24);
                    case "deltasPerPack" -> deltasPerPack;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theStoreCompressesWithTheConfiguredCodec() {
        assertThat(DynamoDbStoreProducer.settings(config("gzip")).compression()).isEqualTo(Compression.GZIP);
        assertThat(DynamoDbStoreProducer.settings(config("zstd")).compression()).isEqualTo(Compression.ZSTD);
        assertThat(DynamoDbStoreSettings.defaults("threadline").compression()).isEqualTo(Compression.GZIP);
    }

    @Test
    void zstdAboveBytesReachesTheStoreAndDefaultsToTheMeasuredCrossover() throws NoSuchMethodException {
        assertThat(DynamoDbStoreProducer.settings(config("zstd", 0)).zstdAboveBytes()).isZero();
        assertThat(DynamoDbStoreProducer.settings(config("zstd", 100_000)).zstdAboveBytes()).isEqualTo(100_000);
        assertThat(DynamoDbStoreSettings.defaults("threadline").zstdAboveBytes()).isEqualTo(DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES);
        assertThat(DynamoDbStoreConfig.class.getMethod("zstdAboveBytes").getAnnotation(WithDefault.class).value())
                .as("the configured default is the store's").isEqualTo(String.valueOf(DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES));
    }

    @Test
    void aNegativeZstdAboveBytesStopsTheStoresStartWithAClearError() {
        assertThatThrownBy(() -> DynamoDbStoreProducer.settings(config("zstd", -1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadline.dynamodb.zstd-above-bytes must not be negative, got -1");
        assertThatThrownBy(() -> DynamoDbStoreSettings.defaults("threadline").withZstdAboveBytes(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zstd-above-bytes must not be negative, got -5");
    }

    @Test
    void anotherCodecStopsTheStoresStartWithAClearError() {
        assertThatThrownBy(() -> DynamoDbStoreProducer.settings(config("brotli"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadline.dynamodb.compression must be 'gzip' or 'zstd', got 'brotli'");
    }

    @Test
    void deltasPerPackReachesTheStoreAndABadOneStopsItsStart() {
        assertThat(DynamoDbStoreProducer.settings(config("gzip", 0, 32)).deltasPerPack()).isEqualTo(32);
        assertThat(DynamoDbStoreProducer.settings(config("gzip", 0, 0)).deltasPerPack()).isZero();
        assertThatThrownBy(() -> DynamoDbStoreProducer.settings(config("gzip", 0, 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadline.dynamodb.deltas-per-pack must be 0 (never pack) or between 2 and 256, got 1");
    }
}
