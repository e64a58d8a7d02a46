package io.threadline.effects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tools a runtime offers: the langchain4j {@code @Tool} methods of the objects it is given,
 * described to the model as {@link ToolSpecification}s and called with the arguments the model
 * wrote as JSON.
 *
 * <p>Parameters are strings, integers, decimals or booleans (what models fill in reliably), named
 * by {@code @P(name=…)} or the compiled parameter name. The binding is ours, not langchain4j's
 * {@code ToolSpecifications}/{@code DefaultToolExecutor}: those reach for a JSON codec that, with
 * quarkus-langchain4j on the class path, exists only inside a running Quarkus application — and
 * the core must work in plain unit tests and replays too. Methods are found once, when the runtime
 * is built; in a native image the tool classes must be registered for reflection.
 */
public final class ToolBox {

    private static final ToolBox NONE = new ToolBox(Map.of(), List.of(), List.of());

    private record Binding(Object target, Method method, List<String> names) {}

    private final Map<String, Binding> bindings;
    private final List<ToolSpecification> specifications;
    private final List<Class<?>> toolClasses;

    private ToolBox(Map<String, Binding> bindings, List<ToolSpecification> specifications, List<Class<?>> toolClasses) {
        this.bindings = bindings;
        this.specifications = specifications;
        this.toolClasses = toolClasses;
    }

    public static ToolBox none() {
        return NONE;
    }

    /** The {@code @Tool} methods of {@code tools}; two tools with one name, or unsupported parameters, are refused. */
    public static ToolBox of(Object... tools) {
        Map<String, Binding> bindings = new LinkedHashMap<>();
        List<ToolSpecification> specifications = new ArrayList<>();
        Set<Class<?>> classes = new LinkedHashSet<>();
        for (Object tool : tools) {
            classes.add(tool.getClass());
            List<Method> methods = new ArrayList<>(List.of(tool.getClass().getDeclaredMethods()));
            methods.sort(Comparator.comparing(Method::getName));
            for (Method method : methods) {
                Tool annotation = method.getAnnotation(Tool.class);
                if (annotation == null) {
                    continue;
                }
                String name = annotation.name().isEmpty() ? method.getName() : annotation.name();
                JsonObjectSchema.Builder schema = JsonObjectSchema.builder();
                List<String> names = new ArrayList<>();
                List<String> required = new ArrayList<>();
                for (Parameter p : method.getParameters()) {
                    P described = p.getAnnotation(P.class);
                    String param = described != null && !described.name().isEmpty() ? described.name() : p.getName();
                    String description = described == null ? null : described.value();
                    Class<?> type = p.getType();
                    if (type == String.class) {
                        schema.addStringProperty(param, description);
                    } else if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
                        schema.addIntegerProperty(param, description);
                    } else if (type == double.class || type == Double.class || type == BigDecimal.class) {
                        schema.addNumberProperty(param, description);
                    } else if (type == boolean.class || type == Boolean.class) {
                        schema.addBooleanProperty(param, description);
                    } else {
                        throw new IllegalArgumentException("tool '" + name + "': parameter '" + param + "' is a " + type.getName()
                                + "; tools take strings, integers, decimals or booleans");
                    }
                    if (described == null || described.required()) {
                        required.add(param);
                    }
                    names.add(param);
                }
                schema.required(required);
                method.setAccessible(true);
                if (bindings.putIfAbsent(name, new Binding(tool, method, names)) != null) {
                    throw new IllegalArgumentException("two tools are named '" + name + "'");
                }
                specifications.add(ToolSpecification.builder().name(name).description(String.join("\n", annotation.value()))
                        .parameters(schema.build()).build());
            }
        }
        return new ToolBox(Map.copyOf(bindings), List.copyOf(specifications), List.copyOf(classes));
    }

    public List<ToolSpecification> specifications() {
        return specifications;
    }

    /**
     * The classes of the tool objects this box was built from, in the order given: what a native image must
     * register for reflection, since their {@code @Tool} methods are found and called reflectively.
     */
    public List<Class<?>> toolClasses() {
        return toolClasses;
    }

    /**
     * Runs one call and answers its result as text. An unknown tool or arguments that are not a JSON
     * object of the declared parameters is an {@link IllegalArgumentException}; an unchecked exception
     * (or error) the tool throws is thrown on as it is, a checked one as a {@link CallFailure} of it
     * (its type is kept: {@code failure.isA(IOException.class)}). Through a {@code StepContext} a node
     * sees every failure of a tool as a {@link CallFailure}.
     */
    public String execute(ToolExecutionRequest request) {
        Binding binding = bindings.get(request.name());
        if (binding == null) {
            throw new IllegalArgumentException("no tool named '" + request.name() + "'; tools: " + bindings.keySet());
        }
        JsonNode arguments;
        try {
            arguments = Effects.JSON.readTree(request.arguments() == null || request.arguments().isBlank() ? "{}" : request.arguments());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("arguments of tool '" + request.name() + "' are not JSON: " + request.arguments());
        }
        if (!arguments.isObject()) {
            throw new IllegalArgumentException("arguments of tool '" + request.name() + "' must be a JSON object");
        }
        Parameter[] parameters = binding.method().getParameters();
        Object[] values = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            values[i] = convert(request.name(), binding.names().get(i), parameters[i].getType(), arguments.get(binding.names().get(i)));
        }
        try {
            Object result = binding.method().invoke(binding.target(), values);
            return result == null ? "" : result.toString();
        } catch (InvocationTargetException e) {
            Throwable thrown = e.getCause();
            if (thrown instanceof RuntimeException r) {
                throw r;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            // A checked exception (an IOException): a CallFailure keeps its type, so retryOn(IOException.class) matches it.
            throw CallFailure.of(thrown);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("tool '" + request.name() + "' cannot be called", e);
        }
    }

    private static Object convert(String tool, String name, Class<?> type, JsonNode value) {
        if (value == null || value.isNull()) {
            if (type.isPrimitive()) {
                throw new IllegalArgumentException("tool '" + tool + "' needs argument '" + name + "'");
            }
            return null;
        }
        boolean ok = type == String.class ? value.isTextual()
                : type == boolean.class || type == Boolean.class ? value.isBoolean()
                : type == double.class || type == Double.class || type == BigDecimal.class ? value.isNumber()
                : value.canConvertToLong() && value.isIntegralNumber();
        if (!ok) {
            throw new IllegalArgumentException("tool '" + tool + "': argument '" + name + "' is not a " + type.getSimpleName() + ": " + value);
        }
        if (type == String.class) {
            return value.asText();
        }
        if (type == boolean.class || type == Boolean.class) {
            return value.asBoolean();
        }
        if (type == double.class || type == Double.class) {
            return value.asDouble();
        }
        if (type == BigDecimal.class) {
            return value.decimalValue();
        }
        if (type == int.class || type == Integer.class) {
            if (!value.canConvertToInt()) {
                throw new IllegalArgumentException("tool '" + tool + "': argument '" + name + "' is out of range: " + value);
            }
            return value.asInt();
        }
        return value.asLong();
    }
}
