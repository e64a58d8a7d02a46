package io.threadline.examples.reference;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference agent's tools, offered to the model as langchain4j {@code @Tool}s: a calculator for
 * one binary operation and a word counter. Small and deterministic, so a run can be checked exactly.
 * A bad input is an exception (the agent turns it into the tool's output text for the model).
 */
// The runtime finds and calls tools reflectively: a native image must keep these methods.
@RegisterForReflection
public final class AgentTools {

    /** One binary operation on decimal numbers; {@link LocalChatModel} looks for the same thing in a task. */
    static final Pattern ARITHMETIC = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([-+*/x×])\\s*(-?\\d+(?:\\.\\d+)?)");

    @Tool("Evaluates one binary arithmetic operation on decimal numbers: a + b, a - b, a * b (or a x b) or a / b, e.g. 6 * 7.")
    public String calculator(@P(name = "expression", value = "the operation, e.g. 6 * 7") String expression) {
        Matcher m = ARITHMETIC.matcher(expression);
        if (!m.find()) {
            throw new IllegalArgumentException("not an arithmetic expression: " + expression);
        }
        BigDecimal a = new BigDecimal(m.group(1));
        BigDecimal b = new BigDecimal(m.group(3));
        BigDecimal r = switch (m.group(2)) {
            case "+" -> a.add(b);
            case "-" -> a.subtract(b);
            case "*", "x", "×" -> a.multiply(b);
            default -> {
                if (b.signum() == 0) {
                    throw new ArithmeticException("division by zero");
                }
                yield a.divide(b, MathContext.DECIMAL64);
            }
        };
        return r.stripTrailingZeros().toPlainString();
    }

    @Tool(name = "word_count", value = "Counts the words (runs of non-blank characters) of a text.")
    public int wordCount(@P(name = "text", value = "the text whose words to count") String text) {
        return text.isBlank() ? 0 : text.trim().split("\\s+").length;
    }
}
