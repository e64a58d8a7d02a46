package io.threadline.api;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Test profiles that export one function each, as the deployed Lambda functions do (QUARKUS_FUNQY_EXPORT). */
final class Exports {

    private Exports() {
    }

    public static class Run implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "run");
        }
    }

    public static class State implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "state");
        }
    }

    public static class History implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "history");
        }
    }

    public static class Http implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http");
        }
    }
}
