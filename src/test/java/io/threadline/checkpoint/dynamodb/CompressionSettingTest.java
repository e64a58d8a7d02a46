package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code threadline.dynamodb.compression} as the store's producer reads it into the store's settings. */
class CompressionSettingTest {

    /** The config with its documented defaults, {@code compression} as given. */
    private static DynamoDbStoreConfig config(String compression) {
        return (DynamoDbStoreConfig) Proxy.newProxyInstance(DynamoDbStoreConfig.class.getClassLoader(),
                new Class<?>[]{DynamoDbStoreConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "table" -> "threadline";
                    case "compression" -> compression;
                    case "compressAboveBytes" -> 256;
                    case "maxItemBytes" -> 350_000;
                    case "maxCheckpointBytes" -> 3_000_000;
                    case "checkpointTtl" -> Optional.empty();
                    case "idempotencyTtl" -> Duration.ofHours(24);
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
    void anotherCodecStopsTheStoresStartWithAClearError() {
        assertThatThrownBy(() -> DynamoDbStoreProducer.settings(config("brotli"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadline.dynamodb.compression must be 'gzip' or 'zstd', got 'brotli'");
    }
}
