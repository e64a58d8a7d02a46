package io.threadline.state;

import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * A Bean Validation validator for use outside the application (a replay in a unit test, the local demo):
 * Hibernate Validator with parameter-only message interpolation, so no expression-language implementation
 * is needed on the class path. In the application, Quarkus's container-managed validator is injected instead.
 */
public final class StandaloneValidation {

    private StandaloneValidation() {
    }

    public static Validator validator() {
        return Validation.byDefaultProvider().configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory().getValidator();
    }
}
