package io.opentelemetry.instrumentation.awssdk.v2_2.internal;

import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** Stands in for the AWS SDK instrumentation's TracingExecutionInterceptor (not on the unit tests' classpath): SdkSpansTest. */
public final class StandInTracingInterceptor implements ExecutionInterceptor {
}
