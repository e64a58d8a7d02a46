package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns what the AWS SDK throws — after its own retries are spent — into Threadline's error codes.
 * Throttling, server errors, I/O failures and timeouts are {@code DEPENDENCY_UNAVAILABLE}: nothing was
 * half-written (every commit is one transaction, applied whole or not at all), so the caller may simply try
 * again. Anything else
 * is a configuration or programming error and says so.
 */
public final class DynamoDbErrors {

    /** Error codes DynamoDB (or the SDK) use for throttling, whatever the exception class. */
    private static final Set<String> THROTTLING = Set.of("ThrottlingException", "Throttling", "ProvisionedThroughputExceededException",
            "RequestLimitExceeded", "TooManyRequestsException", "ThrottlingError", "ProvisionedThroughputExceeded");

    private DynamoDbErrors() {
    }

    public static ThreadlineException map(SdkException e, String operation, ThreadKey thread, String table) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("operation", operation);
        details.put("table", table);
        if (thread != null) {
            details.put("thread", thread.threadId());
        }
        String where = "DynamoDB call of " + operation + (thread == null ? "" : " for thread " + thread) + " on table '" + table + "'";
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            details.put("awsErrorCode", code == null ? "unknown" : code);
            details.put("statusCode", service.statusCode());
            if (isTransient(service, code)) {
                return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE,
                        where + " failed (" + code + ", HTTP " + service.statusCode() + ") after the SDK's retries; safe to retry",
                        details, e);
            }
            if (e instanceof ResourceNotFoundException) {
                return new ThreadlineException(ErrorCode.INTERNAL, where + " failed: the table does not exist; create it from "
                        + "infra/dynamodb/table.json, or set threadline.dynamodb.create-table=true for a local run", details, e);
            }
            return new ThreadlineException(ErrorCode.INTERNAL, where + " was refused (" + code + "): " + service.getMessage(), details, e);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            // A write cut here may or may not have been applied: its transaction is all or nothing, so the next
            // call's read of the head tells, and a retry with the same idempotency key cannot commit it twice.
            details.put("awsErrorCode", e.getClass().getSimpleName());
            return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE,
                    where + " did not answer in time (" + e.getMessage() + "; limits: threadline.dynamodb.attempt-timeout, "
                            + "threadline.dynamodb.call-timeout and the invocation's remaining time). A write either happened "
                            + "whole or not at all; safe to retry with the same idempotencyKey", details, e);
        }
        if (e instanceof SdkClientException) {
            details.put("awsErrorCode", e.getClass().getSimpleName());
            return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE,
                    where + " did not get an answer (" + e.getMessage() + ") after the SDK's retries; safe to retry", details, e);
        }
        details.put("awsErrorCode", e.getClass().getSimpleName());
        return new ThreadlineException(ErrorCode.INTERNAL, where + " failed: " + e.getMessage(), details, e);
    }

    /** A throttling or a service-side fault: worth retrying later. */
    public static boolean isTransient(AwsServiceException e, String code) {
        return e instanceof ProvisionedThroughputExceededException
                || e instanceof RequestLimitExceededException
                || e.isThrottlingException()
                || (code != null && THROTTLING.contains(code))
                || e.statusCode() >= 500;
    }

    /** Whether a transaction cancellation reason is a throttling of one of its items. */
    public static boolean isThrottling(String cancellationCode) {
        return cancellationCode != null && THROTTLING.contains(cancellationCode);
    }
}
