package io.threadline.examples.approvals;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * What a customer asks for: a refund of {@code amountCents} for a reason. {@code id} identifies the refund
 * at the payment gateway, so paying it twice pays it once.
 */
public record RefundRequest(
        @NotBlank @Pattern(regexp = "[A-Za-z0-9-]{1,64}", message = "must be 1-64 letters, digits or '-'") String id,
        @NotBlank @Size(max = 200) String customer,
        @Positive @Max(100_000_000) long amountCents,
        @Size(max = 2_000) String reason) {
}
