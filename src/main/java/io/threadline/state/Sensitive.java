package io.threadline.state;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a state field whose value must never leave the thread's own state: history views show it
 * as {@value Redaction#MASK}, and telemetry never records it. The schema reads the mark once, when it
 * is built ({@link StateSchema#sensitiveFields()}).
 *
 * <pre>{@code
 * public record State(List<Message> messages, @Sensitive String apiToken) {}
 * }</pre>
 *
 * The stored checkpoint keeps the value (the thread needs it to go on); protect the store itself (encryption at rest
 * seals it). What a node remembers ({@code StepContext.remember}) is stored with such values masked: a memory is
 * searched by its words, so it cannot be sealed.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Sensitive {
}
