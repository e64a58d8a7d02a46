package io.threadline.checkpoint.dynamodb;

import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointParams;
import software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointProvider;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SDK's DynamoDB endpoint rules, each answer kept: the SDK evaluates its rule set on every call, and the answer
 * is a function of the parameters alone (region, FIPS, dual-stack, endpoint override, account id and its mode, the
 * tables' ARNs), which for one store's client barely ever change. Part of a step's client CPU on the DynamoDB path
 * (issue 22). The parameters are the key, every one the SDK defines for DynamoDB today; at most {@link #MAX_KEPT}
 * answers are kept, then the rules answer uncached. Public for clients built outside CDI (the benchmarks).
 */
public final class CachedEndpoints implements DynamoDbEndpointProvider {

    static final int MAX_KEPT = 64;

    private final DynamoDbEndpointProvider rules;
    private final Map<Key, Endpoint> kept = new ConcurrentHashMap<>();

    private CachedEndpoints(DynamoDbEndpointProvider rules) {
        this.rules = rules;
    }

    /** The SDK's default rules, cached. */
    public static DynamoDbEndpointProvider ofDefaultRules() {
        return new CachedEndpoints(DynamoDbEndpointProvider.defaultProvider());
    }

    static DynamoDbEndpointProvider of(DynamoDbEndpointProvider rules) {
        return new CachedEndpoints(rules);
    }

    private record Key(String region, Boolean dualStack, Boolean fips, String endpoint, String accountId,
                       String accountIdEndpointMode, String resourceArn, List<String> resourceArnList) {
        static Key of(DynamoDbEndpointParams p) {
            return new Key(p.region() == null ? null : p.region().id(), p.useDualStack(), p.useFips(), p.endpoint(),
                    p.accountId(), p.accountIdEndpointMode(), p.resourceArn(),
                    p.resourceArnList() == null ? null : List.copyOf(p.resourceArnList()));
        }
    }

    @Override
    public CompletableFuture<Endpoint> resolveEndpoint(DynamoDbEndpointParams params) {
        Key key;
        try {
            key = Key.of(params);
        } catch (NullPointerException e) {
            return rules.resolveEndpoint(params); // a null inside the ARN list: not a key, let the rules answer
        }
        Endpoint endpoint = kept.get(key);
        if (endpoint != null) {
            return CompletableFuture.completedFuture(endpoint);
        }
        CompletableFuture<Endpoint> resolved = rules.resolveEndpoint(params);
        if (resolved.isDone() && !resolved.isCompletedExceptionally() && kept.size() < MAX_KEPT) {
            kept.putIfAbsent(key, resolved.join());
        }
        return resolved;
    }
}
