package io.threadline.checkpoint.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The checkpoint table's definition, kept once as CreateTable-shaped JSON (infra/dynamodb/table.json,
 * copied to the classpath as {@value #CLASSPATH_RESOURCE}) plus one field CreateTable does not take,
 * {@code TimeToLiveAttribute}. Infrastructure code, tests and local runs all build the table from
 * this file, so they cannot drift apart. The {@code TableName} in the file is a placeholder: the name
 * is given per environment.
 *
 * <p>Read as a JSON tree, not bound to classes, so it needs no reflection in a native image (the
 * resource itself must be included: {@code quarkus.native.resources.includes}).
 */
public final class TableDefinition {

    public static final String CLASSPATH_RESOURCE = "threadline/dynamodb-table.json";

    private final JsonNode json;

    private TableDefinition(JsonNode json) {
        this.json = json;
    }

    /** The definition shipped with the application. */
    public static TableDefinition fromClasspath() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = TableDefinition.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is not on the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CLASSPATH_RESOURCE, e);
        }
    }

    /** A definition file, e.g. infra/dynamodb/table.json. */
    public static TableDefinition fromPath(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static TableDefinition parse(InputStream in) throws IOException {
        JsonNode json = new ObjectMapper().readTree(in);
        if (json == null || !json.isObject() || !json.has("KeySchema") || !json.has("AttributeDefinitions")) {
            throw new IllegalArgumentException("a table definition is a CreateTable JSON object with KeySchema and AttributeDefinitions");
        }
        return new TableDefinition(json);
    }

    /** CreateTable for {@code tableName}, everything else as the file says. */
    public CreateTableRequest createTableRequest(String tableName) {
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(tableName)
                .attributeDefinitions(list(json.get("AttributeDefinitions"), a -> AttributeDefinition.builder()
                        .attributeName(text(a, "AttributeName"))
                        .attributeType(known(ScalarAttributeType.fromValue(text(a, "AttributeType")),
                                ScalarAttributeType.UNKNOWN_TO_SDK_VERSION, a))
                        .build()))
                .keySchema(keySchema(json.get("KeySchema")));
        if (json.has("GlobalSecondaryIndexes")) {
            request.globalSecondaryIndexes(list(json.get("GlobalSecondaryIndexes"), this::index));
        }
        if (json.has("BillingMode")) {
            request.billingMode(known(BillingMode.fromValue(text(json, "BillingMode")), BillingMode.UNKNOWN_TO_SDK_VERSION, json));
        }
        throughput(json).ifPresent(request::provisionedThroughput);
        return request.build();
    }

    /** The TTL attribute's name, if the definition has one. */
    public Optional<String> timeToLiveAttribute() {
        return json.hasNonNull("TimeToLiveAttribute") ? Optional.of(json.get("TimeToLiveAttribute").asText()) : Optional.empty();
    }

    /** UpdateTimeToLive enabling the TTL attribute on {@code tableName}, if the definition has one. */
    public Optional<UpdateTimeToLiveRequest> timeToLiveRequest(String tableName) {
        return timeToLiveAttribute().map(attribute -> UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(t -> t.attributeName(attribute).enabled(true))
                .build());
    }

    private GlobalSecondaryIndex index(JsonNode node) {
        JsonNode projection = node.get("Projection");
        Projection.Builder p = Projection.builder()
                .projectionType(known(ProjectionType.fromValue(text(projection, "ProjectionType")),
                        ProjectionType.UNKNOWN_TO_SDK_VERSION, projection));
        if (projection.has("NonKeyAttributes")) {
            p.nonKeyAttributes(list(projection.get("NonKeyAttributes"), JsonNode::asText));
        }
        GlobalSecondaryIndex.Builder index = GlobalSecondaryIndex.builder()
                .indexName(text(node, "IndexName"))
                .keySchema(keySchema(node.get("KeySchema")))
                .projection(p.build());
        throughput(node).ifPresent(index::provisionedThroughput);
        return index.build();
    }

    private static List<KeySchemaElement> keySchema(JsonNode node) {
        return list(node, k -> KeySchemaElement.builder()
                .attributeName(text(k, "AttributeName"))
                .keyType(known(KeyType.fromValue(text(k, "KeyType")), KeyType.UNKNOWN_TO_SDK_VERSION, k))
                .build());
    }

    private static Optional<ProvisionedThroughput> throughput(JsonNode node) {
        JsonNode t = node.get("ProvisionedThroughput");
        if (t == null) {
            return Optional.empty();
        }
        return Optional.of(ProvisionedThroughput.builder()
                .readCapacityUnits(t.path("ReadCapacityUnits").asLong())
                .writeCapacityUnits(t.path("WriteCapacityUnits").asLong())
                .build());
    }

    private static <T> List<T> list(JsonNode array, Function<JsonNode, T> element) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("expected a JSON array in the table definition, got " + array);
        }
        List<T> out = new ArrayList<>(array.size());
        array.forEach(e -> out.add(element.apply(e)));
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("the table definition lacks " + field + " in " + node);
        }
        return value.asText();
    }

    private static <E extends Enum<E>> E known(E value, E unknown, JsonNode where) {
        if (value == unknown) {
            throw new IllegalArgumentException("the table definition has a value this SDK does not know in " + where);
        }
        return value;
    }
}
