package io.threadline.api;

import com.amazonaws.services.lambda.runtime.Context;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * Works out the {@link Caller} of an operation, per entry path:
 * <ul>
 *   <li>API Gateway: the tenant is the configured claim of the JWT that API Gateway's authorizer
 *       verified — never a field of the body (the local HTTP server stands in for API Gateway
 *       with the configured local tenant as the claim);</li>
 *   <li>direct invocation: IAM authorized the caller, and the payload names the tenant;</li>
 * </ul>
 * The deadline is the Lambda invocation's remaining time less a safety margin, or a configured
 * budget when there is no Lambda context.
 */
@ApplicationScoped
public class Callers {

    @Inject
    ApiConfig config;

    @Inject
    Clock clock;

    public Caller direct(String payloadTenant) {
        if (payloadTenant == null || payloadTenant.isBlank()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "a direct invocation names its tenant: add \"tenant\" to the payload", Map.of("field", "tenant"));
        }
        return new Caller(payloadTenant, false, deadline());
    }

    public Caller apiGateway(Map<String, String> claims, String payloadTenant) {
        refuseBodyTenant(payloadTenant);
        String tenant = claims == null ? null : claims.get(config.tenantClaim());
        if (tenant == null || tenant.isBlank()) {
            throw new ThreadlineException(ErrorCode.UNAUTHENTICATED,
                    "no verified '" + config.tenantClaim() + "' claim: call through API Gateway with a token that carries it",
                    Map.of("claim", config.tenantClaim()));
        }
        return new Caller(tenant, true, deadline());
    }

    private static void refuseBodyTenant(String payloadTenant) {
        if (payloadTenant != null) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "over HTTP the tenant comes from your token; remove the 'tenant' field", Map.of("field", "tenant"));
        }
    }

    private Instant deadline() {
        Context lambda = LambdaInvocation.current();
        if (lambda == null) {
            return clock.instant().plus(config.runDefaultBudget());
        }
        return clock.instant().plusMillis(lambda.getRemainingTimeInMillis()).minus(config.runSafetyMargin());
    }
}
