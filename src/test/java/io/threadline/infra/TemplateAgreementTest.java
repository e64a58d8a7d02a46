package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.threadline.api.Operations;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * template.yaml and the rest of the repository agree: the table is the one infra/dynamodb/table.json
 * defines (which local runs and tests create), every function exports an operation the code has,
 * and every operation has a sample event.
 */
class TemplateAgreementTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode template() throws IOException {
        return YAML.readTree(Files.readString(Path.of("template.yaml")));
    }

    @Test
    void theTableInTheTemplateIsTheOneTableJsonDefines() throws IOException {
        JsonNode table = JSON.readTree(Files.readString(Path.of("infra/dynamodb/table.json")));
        JsonNode resource = template().at("/Resources/CheckpointTable");
        assertThat(resource.get("Type").asText()).isEqualTo("AWS::DynamoDB::Table");
        JsonNode p = resource.get("Properties");
        assertThat(set(p.get("AttributeDefinitions"))).isEqualTo(set(table.get("AttributeDefinitions")));
        assertThat(p.get("KeySchema")).isEqualTo(table.get("KeySchema"));
        assertThat(p.get("BillingMode")).isEqualTo(table.get("BillingMode"));
        assertThat(p.at("/TimeToLiveSpecification/AttributeName").asText()).isEqualTo(table.get("TimeToLiveAttribute").asText());
        assertThat(p.at("/TimeToLiveSpecification/Enabled").asBoolean()).isTrue();
        assertThat(p.get("GlobalSecondaryIndexes")).hasSameSizeAs(table.get("GlobalSecondaryIndexes"));
        for (int i = 0; i < table.get("GlobalSecondaryIndexes").size(); i++) {
            JsonNode expected = table.get("GlobalSecondaryIndexes").get(i);
            JsonNode actual = p.get("GlobalSecondaryIndexes").get(i);
            assertThat(actual.get("IndexName")).isEqualTo(expected.get("IndexName"));
            assertThat(actual.get("KeySchema")).isEqualTo(expected.get("KeySchema"));
            assertThat(actual.get("Projection")).isEqualTo(expected.get("Projection"));
        }
    }

    /**
     * The data-key table has the checkpoint table's key schema (DynamoDbDataKeyStore's keys) and no point-in-time
     * recovery and no expiry: a deleted key must be gone for good (crypto-shredding), and a key must never expire
     * while its thread lives. The functions are told its name and the KMS key.
     */
    @Test
    void theDataKeyTableKeepsNoBackupsAndTheFunctionsAreToldOfItAndTheKey() throws IOException {
        JsonNode table = JSON.readTree(Files.readString(Path.of("infra/dynamodb/table.json")));
        JsonNode resource = template().at("/Resources/DataKeyTable");
        assertThat(resource.get("Type").asText()).isEqualTo("AWS::DynamoDB::Table");
        assertThat(resource.get("DeletionPolicy").asText()).isEqualTo("Retain");
        JsonNode p = resource.get("Properties");
        assertThat(p.get("KeySchema")).isEqualTo(table.get("KeySchema"));
        assertThat(p.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean(true)).isFalse();
        assertThat(p.has("TimeToLiveSpecification")).isFalse();
        assertThat(p.has("StreamSpecification")).as("a stream would keep deleted keys for 24 h").isFalse();
        JsonNode env = template().at("/Globals/Function/Environment/Variables");
        assertThat(env.get("THREADLINE_ENCRYPTION_KEYS").asText()).isEqualTo("kms");
        assertThat(env.get("THREADLINE_ENCRYPTION_DATA_KEY_TABLE").asText()).as("!Ref DataKeyTable").isEqualTo("DataKeyTable");
        assertThat(template().at("/Resources/CheckpointKey/Properties/EnableKeyRotation").asBoolean()).isTrue();
    }

    /**
     * The checkpoint codec and delta packing are deployment parameters (README: switch them in a second deployment, once
     * no older reader serves), passed to every function as the settings they name. What CloudFormation allows is a
     * subset of what the store accepts (0 and powers of two for packing), so a deploy cannot start functions that refuse
     * their configuration at their first call, and the defaults are the application's.
     */
    @Test
    void theCheckpointFormatParametersReachEveryFunctionAsSettingsTheStoreAccepts() throws IOException {
        JsonNode env = template().at("/Globals/Function/Environment/Variables");
        assertThat(env.get("THREADLINE_DYNAMODB_COMPRESSION").asText()).as("!Ref CheckpointCompression").isEqualTo("CheckpointCompression");
        assertThat(env.get("THREADLINE_DYNAMODB_DELTAS_PER_PACK").asText()).as("!Ref CheckpointDeltasPerPack").isEqualTo("CheckpointDeltasPerPack");

        JsonNode codec = template().at("/Parameters/CheckpointCompression");
        List<String> codecs = new ArrayList<>();
        codec.get("AllowedValues").forEach(v -> codecs.add(v.asText()));
        assertThat(codecs).containsExactlyInAnyOrderElementsOf(Stream.of(Compression.values()).map(Compression::configName).toList());
        codecs.forEach(name -> assertThat(Compression.of(name).configName()).isEqualTo(name));
        assertThat(codec.get("Default").asText()).isEqualTo(applicationDefault("threadline.dynamodb.compression"));

        JsonNode pack = template().at("/Parameters/CheckpointDeltasPerPack");
        List<Integer> counts = new ArrayList<>();
        pack.get("AllowedValues").forEach(v -> counts.add(v.asInt()));
        DynamoDbStoreSettings settings = DynamoDbStoreSettings.defaults("threadline");
        counts.forEach(n -> assertThat(settings.withDeltasPerPack(n).deltasPerPack()).isEqualTo(n));
        assertThat(counts).contains(0, DynamoDbStoreSettings.RECOMMENDED_DELTAS_PER_PACK, DynamoDbStoreSettings.MAX_DELTAS_PER_PACK);
        assertThatThrownBy(() -> settings.withDeltasPerPack(1)).as("1 is not offered: the store refuses it")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(counts).doesNotContain(1);
        assertThat(pack.get("Default").asInt()).isEqualTo(DynamoDbStoreSettings.DEFAULT_DELTAS_PER_PACK)
                .isEqualTo(Integer.parseInt(applicationDefault("threadline.dynamodb.deltas-per-pack")));
    }

    /** README's table of parameters names every parameter the template has, and no other. */
    @Test
    void everyParameterIsInTheReadmesTable() throws IOException {
        Set<String> parameters = new TreeSet<>();
        template().get("Parameters").fieldNames().forEachRemaining(parameters::add);
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int table = lines.indexOf("**Parameters.**");
        assertThat(table).as("README's **Parameters.** table").isPositive();
        Set<String> documented = new TreeSet<>();
        for (int i = table + 1; i < lines.size() && (lines.get(i).isBlank() || lines.get(i).startsWith("|")); i++) {
            String line = lines.get(i);
            if (line.startsWith("| `")) {
                String first = line.substring(2, line.indexOf(" |", 2));
                Matcher names = Pattern.compile("`([A-Za-z]+)`").matcher(first);
                while (names.find()) {
                    documented.add(names.group(1));
                }
            }
        }
        assertThat(documented).isEqualTo(parameters);
    }

    private static String applicationDefault(String key) throws IOException {
        return Files.readAllLines(Path.of("src/main/resources/application.properties")).stream()
                .filter(line -> line.startsWith(key + "="))
                .map(line -> line.substring(key.length() + 1).trim())
                .findFirst().orElseThrow();
    }

    /**
     * The created domain runs, by default, the OpenSearch minor the local node and the tests run (infra/opensearch/env),
     * and a changed version is an in-place upgrade: without the update policy, CloudFormation replaces a domain whose
     * EngineVersion changes, which would leave the stack with a new, empty domain.
     */
    @Test
    void theMemoryDomainDefaultsToTheTestedVersionAndUpgradesInPlace() throws IOException {
        JsonNode domain = template().at("/Resources/MemoryDomain");
        assertThat(domain.at("/Properties/EngineVersion").asText()).as("!Ref MemoryEngineVersion").isEqualTo("MemoryEngineVersion");
        assertThat(domain.at("/UpdatePolicy/EnableVersionUpgrade").asBoolean()).isTrue();
        JsonNode parameter = template().at("/Parameters/MemoryEngineVersion");
        String version = parameter.get("Default").asText();
        String tested = Files.readAllLines(Path.of("infra/opensearch/env")).stream()
                .filter(line -> line.startsWith("OPENSEARCH_VERSION=${OPENSEARCH_VERSION:-"))
                .map(line -> line.replaceAll(".*:-([0-9.]+)}.*", "$1"))
                .findFirst().orElseThrow();
        assertThat(tested).startsWith(version.substring("OpenSearch_".length()) + ".");
        String pattern = parameter.get("AllowedPattern").asText();
        assertThat(version).matches(pattern);
        assertThat("OpenSearch_3.1").matches(pattern);
        assertThat("OpenSearch_2.17").as("older than what the tests run").doesNotMatch(pattern);
    }

    @Test
    void everyFunctionExportsAnOperationAndEveryOperationIsDeployedBothWays() throws IOException {
        Map<String, Set<String>> exportsByRuntime = Map.of("provided.al2023", new TreeSet<>(), "java21", new TreeSet<>());
        Iterator<Map.Entry<String, JsonNode>> resources = template().get("Resources").fields();
        while (resources.hasNext()) {
            JsonNode r = resources.next().getValue();
            if (!"AWS::Serverless::Function".equals(r.path("Type").asText())) {
                continue;
            }
            String runtime = r.at("/Properties/Runtime").asText();
            String export = r.at("/Properties/Environment/Variables/QUARKUS_FUNQY_EXPORT").asText();
            exportsByRuntime.get(runtime).add(export);
            if (runtime.equals("java21")) {
                assertThat(r.at("/Properties/Handler").asText()).isEqualTo("io.threadline.api.ThreadlineLambdaHandler::handleRequest");
                assertThat(r.at("/Properties/SnapStart/ApplyOn").asText()).isEqualTo("PublishedVersions");
            }
        }
        Set<String> operations = new TreeSet<>(Operations.NAMES);
        operations.add("http");
        // background runs' functions that no caller invokes: the queue's consumer and the schedule's sweep
        operations.add("advance");
        operations.add("sweep");
        // the operator's compaction of the memory index: direct invocation only (every tenant's memories, no route)
        operations.add("memory-compact");
        assertThat(exportsByRuntime.get("provided.al2023")).isEqualTo(operations);
        assertThat(exportsByRuntime.get("java21")).isEqualTo(operations);
    }

    @Test
    void everyOperationHasASampleEventForEachEntryPath() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("events"))) {
            Set<String> events = new TreeSet<>(files.map(f -> f.getFileName().toString()).toList());
            for (String op : Operations.NAMES) {
                assertThat(events).contains(op + ".json", "http-" + op + ".json");
            }
        }
    }

    @Test
    void theHttpFunctionRoutesEveryOperation() throws IOException {
        for (String runtime : List.of("HttpNative", "HttpJvm")) {
            Set<String> paths = new TreeSet<>();
            template().at("/Resources/" + runtime + "/Properties/Events").forEach(e -> paths.add(e.at("/Properties/Path").asText()));
            assertThat(paths).as(runtime).isEqualTo(new TreeSet<>(Operations.NAMES.stream().map(n -> "/" + n).toList()));
        }
    }

    /**
     * Each runtime's HTTP function routes on its own API, which exists under the same condition (SAM's transform
     * refuses one route of two functions on one API, whatever their conditions; a route on the other runtime's API
     * would name a resource the stack does not have), and the two APIs are configured alike (the same authorizer).
     */
    @Test
    void eachRuntimesHttpFunctionRoutesOnItsOwnApiConfiguredAlike() throws IOException {
        JsonNode resources = template().at("/Resources");
        for (String runtime : List.of("Native", "Jvm")) {
            JsonNode function = resources.get("Http" + runtime);
            JsonNode api = resources.get("HttpApi" + runtime);
            assertThat(api.at("/Type").asText()).isEqualTo("AWS::Serverless::HttpApi");
            assertThat(api.at("/Condition").asText()).as("HttpApi" + runtime).isEqualTo(function.at("/Condition").asText()).isEqualTo(runtime);
            function.at("/Properties/Events").forEach(e -> assertThat(e.at("/Properties/ApiId").asText())
                    .as("Http" + runtime + " " + e.at("/Properties/Path").asText()).isEqualTo("HttpApi" + runtime));
        }
        assertThat(resources.at("/HttpApiNative/Properties")).isEqualTo(resources.at("/HttpApiJvm/Properties"));
        assertThat(resources.has("HttpApi")).as("one API for both runtimes is what the transform refused").isFalse();
    }

    /**
     * Each API Gateway sample event is what the template's route sends: its route key, path and method are the
     * route's, and the caller's tenant is in the claim the template tells the functions to read.
     */
    @Test
    void theHttpSampleEventsAreWhatTheTemplatesRoutesSend() throws IOException {
        JsonNode template = template();
        String tenantClaim = template.at("/Parameters/TenantClaim/Default").asText();
        for (JsonNode route : template.at("/Resources/HttpNative/Properties/Events")) {
            String method = route.at("/Properties/Method").asText();
            String path = route.at("/Properties/Path").asText();
            JsonNode event = JSON.readTree(Files.readString(Path.of("events", "http-" + path.substring(1) + ".json")));
            assertThat(event.get("routeKey").asText()).as(path).isEqualTo(method + " " + path);
            assertThat(event.get("rawPath").asText()).as(path).isEqualTo(path);
            assertThat(event.at("/requestContext/http/method").asText()).as(path).isEqualTo(method);
            assertThat(event.at("/requestContext/authorizer/jwt/claims/" + tenantClaim).asText()).as(path).isNotBlank();
        }
    }

    private static Set<String> set(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.forEach(n -> items.add(n.toString()));
        return new TreeSet<>(items);
    }
}
