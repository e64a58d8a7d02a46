package io.threadline.config;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Clock;
import java.util.Map;

/**
 * A {@link MemoryStores} over real configuration ({@code threadline.memory.*} and {@code threadline.models.*} read by
 * SmallRye Config from the given values and the mappings' defaults), as the application wires it, for tests outside
 * this package (memory-compact's refusals through {@link MemoryStores#maintenance()}).
 */
public final class MemoryStoresFixture {

    private MemoryStoresFixture() {
    }

    /** The models' and the memory's configuration mappings over {@code values} and their defaults. */
    static SmallRyeConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withMapping(ModelsConfig.class).withMapping(BedrockConfig.class)
                .withMapping(MemoryConfig.class).withDefaultValues(values).build();
    }

    public static MemoryStores of(Map<String, String> values) {
        SmallRyeConfig c = config(values);
        ModelChoice models = new ModelChoice();
        models.models = c.getConfigMapping(ModelsConfig.class);
        models.bedrock = c.getConfigMapping(BedrockConfig.class);
        MemoryStores stores = new MemoryStores();
        stores.config = c.getConfigMapping(MemoryConfig.class);
        stores.models = models;
        stores.clock = Clock.systemUTC();
        return stores;
    }
}
