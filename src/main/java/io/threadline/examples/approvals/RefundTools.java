package io.threadline.examples.approvals;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The approvals agent's tools: a stand-in for a payment provider, in process memory. {@code issue_refund}
 * is flaky on purpose, deterministically: the first {@code busyCallsPerRefund} calls for each refund id
 * fail with {@link GatewayBusyException}, the next one pays — so the payment node's retry policy is
 * exercised on every refund, in the demo and in tests alike. Paying a refund id again answers its first
 * reference (a gateway's idempotency key). Thread-safe.
 */
public final class RefundTools {

    private final int busyCallsPerRefund;
    private final Map<String, AtomicInteger> callsByRefund = new ConcurrentHashMap<>();
    private final Map<String, String> paidByRefund = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> refundsByCustomer = new ConcurrentHashMap<>();

    /** @param busyCallsPerRefund how many calls of each refund id fail before one succeeds (0: never busy) */
    public RefundTools(int busyCallsPerRefund) {
        if (busyCallsPerRefund < 0) {
            throw new IllegalArgumentException("busyCallsPerRefund must be >= 0, not " + busyCallsPerRefund);
        }
        this.busyCallsPerRefund = busyCallsPerRefund;
    }

    @Tool(name = "prior_refunds", value = "How many refunds were paid to a customer before.")
    public int priorRefunds(@P(name = "customer", value = "the customer") String customer) {
        return refundsByCustomer.getOrDefault(customer, Set.of()).size();
    }

    @Tool(name = "issue_refund", value = "Pays a refund to a customer; answers the payment's reference.")
    public String issueRefund(@P(name = "refundId", value = "the refund's id: paying it again pays nothing") String refundId,
                              @P(name = "customer", value = "who is refunded") String customer,
                              @P(name = "amountCents", value = "the amount in cents") long amountCents) {
        int call = callsByRefund.computeIfAbsent(refundId, id -> new AtomicInteger()).incrementAndGet();
        if (call <= busyCallsPerRefund) {
            throw new GatewayBusyException("payment gateway busy (call " + call + " for refund " + refundId + ")");
        }
        return paidByRefund.computeIfAbsent(refundId, id -> {
            refundsByCustomer.computeIfAbsent(customer, c -> ConcurrentHashMap.newKeySet()).add(id);
            return "rf-" + id + "-" + amountCents;
        });
    }

    /** How often {@code issue_refund} was called for {@code refundId}, failed calls included: for tests. */
    public int calls(String refundId) {
        AtomicInteger calls = callsByRefund.get(refundId);
        return calls == null ? 0 : calls.get();
    }
}
