package io.threadline.examples.approvals;

/** The payment gateway cannot take the call now; the same call a moment later may succeed. */
public class GatewayBusyException extends RuntimeException {

    public GatewayBusyException(String message) {
        super(message);
    }
}
