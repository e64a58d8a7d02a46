package io.threadline.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.contrib.awsxray.AwsXrayIdGenerator;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.threadline.runtime.StepObserver;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Wires telemetry into the application: trace ids X-Ray accepts (Quarkus's OpenTelemetry SDK takes the
 * {@link IdGenerator} bean), and the {@link StepObserver} the runtime options carry.
 */
public class TelemetryProducers {

    /**
     * X-Ray ids: the first 8 hex digits of a trace id are its start time in epoch seconds (X-Ray refuses
     * traces that are not within 30 days), the rest random.
     */
    @Produces
    @Singleton
    IdGenerator xrayIdGenerator() {
        return AwsXrayIdGenerator.getInstance();
    }

    @Produces
    @Singleton
    StepObserver stepObserver(TelemetryConfig config, OpenTelemetry otel) {
        if (!config.enabled()) {
            return StepObserver.NONE;
        }
        ThreadlineTelemetry telemetry = ThreadlineTelemetry.of(otel);
        if (config.emf().enabled()) {
            // Straight to stdout, not through the logger: Lambda ships stdout to CloudWatch Logs line by line,
            // and EMF must be the whole line, not a field of a JSON log record.
            telemetry = telemetry.withEmf(config.emf().namespace(), config.emf().service(), System.out::println);
        }
        return telemetry;
    }
}
