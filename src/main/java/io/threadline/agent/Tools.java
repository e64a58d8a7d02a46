package io.threadline.agent;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference agent's tools: small and deterministic, so a run can be checked exactly. The
 * calculator evaluates one binary operation found in the task; the word counter counts words.
 */
public final class Tools {

    private static final Pattern ARITHMETIC =
            Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([-+*/x×])\\s*(-?\\d+(?:\\.\\d+)?)");

    private Tools() {
    }

    /** Which tool a task needs, if any, and its argument. */
    public record ToolCall(String tool, String argument) {}

    public static Optional<ToolCall> choose(String task) {
        if (task == null) {
            return Optional.empty();
        }
        Matcher m = ARITHMETIC.matcher(task);
        if (m.find()) {
            return Optional.of(new ToolCall("calculator", m.group()));
        }
        String lower = task.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("count the words in");
        if (at >= 0) {
            return Optional.of(new ToolCall("word_count", task.substring(at + "count the words in".length()).trim()));
        }
        return Optional.empty();
    }

    public static String run(ToolCall call) {
        return switch (call.tool()) {
            case "calculator" -> calculate(call.argument());
            case "word_count" -> Integer.toString(call.argument().isBlank() ? 0 : call.argument().trim().split("\\s+").length);
            default -> throw new IllegalArgumentException("unknown tool " + call.tool());
        };
    }

    static String calculate(String expression) {
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
}
