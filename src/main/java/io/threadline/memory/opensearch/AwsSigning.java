package io.threadline.memory.opensearch;

import java.util.Objects;

/**
 * Requests signed with AWS Signature Version 4 for Amazon OpenSearch Service ({@code es}) or OpenSearch Serverless
 * ({@code aoss}), with the default credentials chain (the Lambda function's role).
 *
 * @param service {@code es} or {@code aoss} ({@code threadline.memory.opensearch.signing-service})
 * @param region  the region the endpoint is in, e.g. {@code eu-west-1}
 */
public record AwsSigning(String service, String region) {

    public AwsSigning {
        if (!"es".equals(service) && !"aoss".equals(service)) {
            throw new IllegalArgumentException("threadline.memory.opensearch.signing-service must be es or aoss, got " + service);
        }
        Objects.requireNonNull(region, "region");
    }
}
