package io.threadline.examples.approvals;

/**
 * What the thread shows whoever must approve a refund (the interrupt's payload): the request, what the
 * customer was refunded before, and how to answer.
 */
public record ApprovalQuestion(String question, RefundRequest request, int priorRefunds, String policyNote, String answerWith) {
}
