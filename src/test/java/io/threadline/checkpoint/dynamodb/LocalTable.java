package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A test class's own table on the shared DynamoDB Local, as the deployment creates it ({@link DynamoDbTables}):
 * registered as a static {@code @RegisterExtension} field, it builds a client (with the class's request interceptors,
 * if any) and a fresh table before the class's {@code @BeforeAll} methods run, and drops the table and closes the
 * client after its {@code @AfterAll} methods. One fixture, so the tests that need a table write none of that.
 */
public final class LocalTable implements BeforeAllCallback, AfterAllCallback {

    private final String purpose;
    private final List<ExecutionInterceptor> interceptors;
    private Class<?> owner;
    private DynamoDbClient client;
    private String name;

    private LocalTable(String purpose, List<ExecutionInterceptor> interceptors) {
        this.purpose = Objects.requireNonNull(purpose, "purpose");
        this.interceptors = interceptors;
    }

    /** A table named {@code threadline-<purpose>-<random>}, reached through a plain client. */
    public static LocalTable named(String purpose) {
        return new LocalTable(purpose, List.of());
    }

    /** This table, reached through a client that runs {@code interceptors} on every request (counting, injected faults). */
    public LocalTable intercepting(ExecutionInterceptor... interceptors) {
        return new LocalTable(purpose, List.of(interceptors));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (owner != null) {
            return; // a @Nested class inherits the static field: the enclosing class's table serves it too
        }
        owner = context.getRequiredTestClass();
        client = DynamoDbLocal.get().clientBuilder().overrideConfiguration(o -> interceptors.forEach(o::addExecutionInterceptor)).build();
        name = LocalTables.newTable(client, purpose);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // JUnit calls this even when beforeAll failed, and for each @Nested class: only the class that made the table
        // drops it, and only what was made is dropped, so a failed start reports its own error rather than an NPE here.
        if (owner == null || context.getRequiredTestClass() != owner) {
            return;
        }
        try {
            if (name != null) {
                LocalTables.drop(client, name);
            }
        } finally {
            if (client != null) {
                client.close();
            }
            owner = null;
            client = null;
            name = null;
        }
    }

    /** The client the table was created with (its interceptors included); open from before the class's first test. */
    public DynamoDbClient client() {
        return Objects.requireNonNull(client, "the table is made before the class's @BeforeAll methods: register it as a static field");
    }

    /** The table's name. */
    public String name() {
        return Objects.requireNonNull(name, "the table is made before the class's @BeforeAll methods: register it as a static field");
    }

    /**
     * Every item of the table whose keys name the thread (its partition, its run record, a wake entry), by a consistent
     * scan: what a delete must leave none of.
     */
    public List<Map<String, AttributeValue>> itemsNaming(ThreadKey thread) {
        String named = thread.tenant() + "#" + thread.threadId();
        return client().scanPaginator(b -> b.tableName(name()).consistentRead(true)
                        .filterExpression("contains(pk, :t) OR contains(sk, :t)")
                        .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(named))))
                .items().stream().toList();
    }
}
