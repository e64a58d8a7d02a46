package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import static org.assertj.core.api.Assertions.assertThat;

class DynamoDbLocalSmokeTest {
    @Test
    void answers() {
        try (DynamoDbClient client = DynamoDbLocal.get().clientBuilder().build()) {
            assertThat(client.listTables().tableNames()).isNotNull();
        }
    }
}
