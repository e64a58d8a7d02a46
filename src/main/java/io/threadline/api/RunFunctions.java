package io.threadline.api;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.funqy.Funq;
import io.threadline.config.Runs;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The functions of background runs that no caller invokes: {@code advance}, fed by the FIFO queue's event source
 * mapping (one step per message, partial batch failures answered in {@code batchItemFailures}: the mapping has
 * {@code FunctionResponseTypes: [ReportBatchItemFailures]}), and {@code sweep}, called by the EventBridge schedule
 * to wake the long timed waits that are due. Locally the application's own poller and timer call the same code.
 * They take the raw event as JSON (Funqy's own SQS handling is switched off: it would call the function once per
 * message, with no say over a message's visibility or the order of a thread's failures).
 */
public class RunFunctions {

    @Inject
    Runs runs;

    /** {@code batchItemFailures}, in the shape Lambda reads. */
    public record BatchResponse(List<BatchItemFailure> batchItemFailures) {}

    public record BatchItemFailure(String itemIdentifier) {}

    /** What a sweep did. */
    public record SweepResult(int woken) {}

    @Funq
    public BatchResponse advance(JsonNode event) {
        SQSBatchResponse answer = runs.worker().handle(sqsEvent(event));
        List<BatchItemFailure> failures = new ArrayList<>();
        for (SQSBatchResponse.BatchItemFailure f : answer.getBatchItemFailures()) {
            failures.add(new BatchItemFailure(f.getItemIdentifier()));
        }
        return new BatchResponse(failures);
    }

    @Funq
    public SweepResult sweep(JsonNode event) {
        return new SweepResult(runs.sweep());
    }

    /** Lambda's SQS event ({@code Records}: messageId, receiptHandle, body, attributes) read field by field (no reflection). */
    public static SQSEvent sqsEvent(JsonNode event) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        JsonNode list = event == null ? null : event.get("Records");
        if (list != null && list.isArray()) {
            for (JsonNode r : list) {
                SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
                m.setMessageId(r.path("messageId").asText(null));
                m.setReceiptHandle(r.path("receiptHandle").asText(null));
                m.setBody(r.path("body").asText(null));
                m.setEventSource(r.path("eventSource").asText(null));
                m.setEventSourceArn(r.path("eventSourceARN").asText(null));
                Map<String, String> attributes = new HashMap<>();
                r.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
                m.setAttributes(attributes);
                records.add(m);
            }
        }
        SQSEvent sqs = new SQSEvent();
        sqs.setRecords(records);
        return sqs;
    }
}
