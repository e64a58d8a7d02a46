package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointParams;
import software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointProvider;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachedEndpointsTest {

    private static final DynamoDbEndpointProvider RULES = DynamoDbEndpointProvider.defaultProvider();

    private static List<DynamoDbEndpointParams> cases() {
        return List.of(
                DynamoDbEndpointParams.builder().region(Region.US_EAST_1).useFips(false).useDualStack(false).build(),
                DynamoDbEndpointParams.builder().region(Region.EU_WEST_1).useFips(true).useDualStack(false).build(),
                DynamoDbEndpointParams.builder().region(Region.US_EAST_1).useFips(false).useDualStack(false)
                        .accountId("123456789012").accountIdEndpointMode("preferred").resourceArnList(List.of("threads")).build(),
                DynamoDbEndpointParams.builder().region(Region.US_EAST_1).useFips(false).useDualStack(false)
                        .endpoint("http://127.0.0.1:8000").resourceArnList(List.of("threads", "threads")).build());
    }

    @Test
    void answersAsTheRulesDoAndEvaluatesThemOncePerParameters() {
        AtomicInteger evaluated = new AtomicInteger();
        DynamoDbEndpointProvider cached = CachedEndpoints.of(p -> {
            evaluated.incrementAndGet();
            return RULES.resolveEndpoint(p);
        });
        for (int round = 0; round < 3; round++) {
            for (DynamoDbEndpointParams p : cases()) {
                Endpoint expected = RULES.resolveEndpoint(p).join();
                Endpoint actual = cached.resolveEndpoint(p).join();
                assertThat(actual.url()).isEqualTo(expected.url());
                assertThat(actual.headers()).isEqualTo(expected.headers());
            }
        }
        assertThat(evaluated).hasValue(cases().size());
    }

    @Test
    void keepsNoFailureAndNoMoreThanItsBound() {
        AtomicInteger evaluated = new AtomicInteger();
        DynamoDbEndpointProvider failing = CachedEndpoints.of(p -> {
            evaluated.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("no endpoint"));
        });
        DynamoDbEndpointParams p = cases().get(0);
        assertThatThrownBy(() -> failing.resolveEndpoint(p).join()).isInstanceOf(CompletionException.class);
        assertThatThrownBy(() -> failing.resolveEndpoint(p).join()).isInstanceOf(CompletionException.class);
        assertThat(evaluated).hasValue(2);

        evaluated.set(0);
        DynamoDbEndpointProvider cached = CachedEndpoints.of(q -> {
            evaluated.incrementAndGet();
            return RULES.resolveEndpoint(q);
        });
        int distinct = CachedEndpoints.MAX_KEPT + 10;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < distinct; i++) {
                cached.resolveEndpoint(DynamoDbEndpointParams.builder().region(Region.US_EAST_1).useFips(false).useDualStack(false)
                        .endpoint("http://127.0.0.1:" + (9000 + i)).build()).join();
            }
        }
        assertThat(evaluated).hasValue(distinct + (distinct - CachedEndpoints.MAX_KEPT));
    }
}
