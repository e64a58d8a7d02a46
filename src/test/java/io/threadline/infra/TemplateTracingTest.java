package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trace path as deployed: by default every function carries AWS's ADOT collector layer for its Region and
 * architecture, with the application's OpenTelemetry SDK on; without a layer the SDK is off (it would export to
 * nothing and wait for it at every invocation). What the SDK sends is {@link OtlpExportTest}'s part.
 */
class TemplateTracingTest {

    private static JsonNode function(Map<String, String> parameters, String name) {
        return new CfnEvaluation(CfnTemplate.read(), parameters).properties(name);
    }

    @Test
    void byDefaultEveryFunctionCarriesThePublishedCollectorLayerOfItsRegionAndArchitecture() {
        CfnEvaluation template = new CfnEvaluation(CfnTemplate.read(), Map.of());
        for (String name : new String[] {"StepNative", "HttpNative", "MemoryPutNative"}) {
            JsonNode f = template.properties(name);
            assertThat(f.get("Architectures")).extracting(JsonNode::asText).containsExactly("x86_64");
            assertThat(f.get("Layers")).extracting(JsonNode::asText).containsExactly(
                    "arn:aws:lambda:" + CfnEvaluation.REGION + ":901920570463:layer:aws-otel-collector-amd64-ver-0-117-0:1");
            assertThat(f.at("/Environment/Variables/QUARKUS_OTEL_SDK_DISABLED").asText()).isEqualTo("false");
            assertThat(f.get("Tracing").asText()).isEqualTo("Active");
        }
        assertThat(function(Map.of("Runtime", "jvm"), "StepJvm").get("Layers")).hasSize(1);
    }

    @Test
    void anotherLayerCanBeNamedAndNoneTurnsTheSdkOff() {
        String own = "arn:aws:lambda:us-east-1:123456789012:layer:my-collector:3";
        JsonNode withOwn = function(Map.of("AdotLayerArn", own), "StepNative");
        assertThat(withOwn.get("Layers")).extracting(JsonNode::asText).containsExactly(own);
        assertThat(withOwn.at("/Environment/Variables/QUARKUS_OTEL_SDK_DISABLED").asText()).isEqualTo("false");

        JsonNode without = function(Map.of("AdotLayerArn", "none"), "StepNative");
        assertThat(without.has("Layers")).isFalse();
        assertThat(without.at("/Environment/Variables/QUARKUS_OTEL_SDK_DISABLED").asText()).isEqualTo("true");
    }
}
