package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The template (long form, {@link CfnTemplate}) as CloudFormation would deploy it for one set of parameter values:
 * conditions evaluated, resources whose condition is false left out, and {@code Ref}, {@code Fn::GetAtt},
 * {@code Fn::Sub} and {@code Fn::If} resolved to text — resource names and attributes to the ARNs and endpoints they
 * stand for in a fixed account and Region — so the tests compare policies with plain ARNs. An intrinsic function it
 * does not know fails the test rather than passing unresolved.
 */
final class CfnEvaluation {

    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";
    private static final Pattern SUB = Pattern.compile("\\$\\{([^!}][^}]*)}");
    private static final JsonNode NO_VALUE = TextNode.valueOf("\u0000NoValue");

    private final JsonNode template;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final Map<String, Boolean> conditions = new HashMap<>();

    CfnEvaluation(JsonNode template, Map<String, String> overrides) {
        this.template = template;
        template.path("Parameters").fields().forEachRemaining(p -> parameters.put(p.getKey(), p.getValue().path("Default").asText("")));
        parameters.putAll(overrides);
        template.path("Conditions").fieldNames().forEachRemaining(this::condition);
    }

    String parameter(String name) {
        return parameters.get(name);
    }

    boolean condition(String name) {
        Boolean known = conditions.get(name);
        if (known != null) {
            return known;
        }
        JsonNode definition = template.path("Conditions").get(name);
        if (definition == null) {
            throw new AssertionError("no condition " + name);
        }
        boolean value = truth(definition);
        conditions.put(name, value);
        return value;
    }

    private boolean truth(JsonNode node) {
        if (node.has("Condition")) {
            return condition(node.get("Condition").asText());
        }
        if (node.has("Fn::Equals")) {
            return value(node.get("Fn::Equals").get(0)).equals(value(node.get("Fn::Equals").get(1)));
        }
        if (node.has("Fn::Not")) {
            return !truth(node.get("Fn::Not").get(0));
        }
        if (node.has("Fn::And")) {
            boolean all = true;
            for (JsonNode n : node.get("Fn::And")) {
                all &= truth(n);
            }
            return all;
        }
        if (node.has("Fn::Or")) {
            boolean any = false;
            for (JsonNode n : node.get("Fn::Or")) {
                any |= truth(n);
            }
            return any;
        }
        throw new AssertionError("not a condition: " + node);
    }

    /** The descriptions of the template's Rules assertions that fail under these parameters (CloudFormation refuses the stack). */
    List<String> failedRules() {
        List<String> failed = new ArrayList<>();
        template.path("Rules").fields().forEachRemaining(rule -> {
            JsonNode when = rule.getValue().get("RuleCondition");
            if (when == null || truth(when)) {
                for (JsonNode a : rule.getValue().path("Assertions")) {
                    if (!truth(a.get("Assert"))) {
                        failed.add(a.path("AssertDescription").asText(rule.getKey()));
                    }
                }
            }
        });
        return failed;
    }

    /** A parameter value CloudFormation accepts: one of AllowedValues, matching AllowedPattern (whole value). */
    List<String> refusedParameters() {
        List<String> refused = new ArrayList<>();
        template.path("Parameters").fields().forEachRemaining(p -> {
            String v = parameters.get(p.getKey());
            JsonNode allowed = p.getValue().get("AllowedValues");
            if (allowed != null) {
                Set<String> values = new HashSet<>();
                allowed.forEach(a -> values.add(a.asText()));
                if (!values.contains(v)) {
                    refused.add(p.getKey() + "=" + v);
                }
            }
            JsonNode pattern = p.getValue().get("AllowedPattern");
            if (pattern != null && !v.matches(pattern.asText())) {
                refused.add(p.getKey() + "=" + v);
            }
        });
        return refused;
    }

    /** The deployed resources: those without a condition or whose condition holds. */
    Map<String, JsonNode> resources() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        template.path("Resources").fields().forEachRemaining(r -> {
            if (!r.getValue().has("Condition") || condition(r.getValue().get("Condition").asText())) {
                out.put(r.getKey(), r.getValue());
            }
        });
        return out;
    }

    /** A resource's properties with Globals/Function merged in (for functions) and every intrinsic function resolved. */
    JsonNode properties(String resource) {
        JsonNode r = template.path("Resources").get(resource);
        JsonNode props = r.path("Properties").deepCopy();
        if ("AWS::Serverless::Function".equals(r.path("Type").asText())) {
            props = merge(template.at("/Globals/Function").deepCopy(), props);
        }
        return resolve(props);
    }

    /** SAM's Globals rule for maps: merged key by key, the function's own value winning; other values replaced. */
    private static JsonNode merge(JsonNode global, JsonNode own) {
        if (global instanceof ObjectNode g && own instanceof ObjectNode o && !isIntrinsic(g) && !isIntrinsic(o)) {
            ObjectNode out = g.deepCopy();
            o.fields().forEachRemaining(e -> out.set(e.getKey(), merge(out.get(e.getKey()), e.getValue())));
            return out;
        }
        return own == null ? global : own;
    }

    private static boolean isIntrinsic(JsonNode node) {
        if (node.size() != 1) {
            return false;
        }
        String key = node.fieldNames().next();
        return key.equals("Ref") || key.equals("Condition") || key.startsWith("Fn::");
    }

    JsonNode resolve(JsonNode node) {
        JsonNode out = resolveOrNoValue(node);
        return out == NO_VALUE ? null : out;
    }

    private JsonNode resolveOrNoValue(JsonNode node) {
        if (node.isObject() && isIntrinsic(node)) {
            String fn = node.fieldNames().next();
            JsonNode arg = node.get(fn);
            switch (fn) {
                case "Ref":
                    return arg.asText().equals("AWS::NoValue") ? NO_VALUE : TextNode.valueOf(ref(arg.asText()));
                case "Fn::GetAtt":
                    return TextNode.valueOf(getAtt(arg.get(0).asText(), arg.get(1).asText()));
                case "Fn::Sub":
                    return TextNode.valueOf(sub(arg.asText()));
                case "Fn::If":
                    return resolveOrNoValue(condition(arg.get(0).asText()) ? arg.get(1) : arg.get(2));
                default:
                    throw new AssertionError("the test cannot resolve " + fn + " (" + node + "): teach CfnEvaluation");
            }
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = resolveOrNoValue(e.getValue());
                if (v != NO_VALUE) {
                    out.set(e.getKey(), v);
                }
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : node) {
                JsonNode v = resolveOrNoValue(item);
                if (v != NO_VALUE) {
                    out.add(v);
                }
            }
            return out;
        }
        return node;
    }

    private String value(JsonNode node) {
        JsonNode resolved = resolve(node);
        return resolved == null ? "" : resolved.asText();
    }

    private String sub(String text) {
        Matcher m = SUB.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            int dot = name.indexOf('.');
            String v = dot > 0 && !name.startsWith("AWS::") ? getAtt(name.substring(0, dot), name.substring(dot + 1)) : ref(name);
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString().replace("${!", "${");
    }

    /** A Ref: the parameter's value, a pseudo parameter's value in the fixed account and Region, or the resource's name. */
    String ref(String name) {
        switch (name) {
            case "AWS::Region":
                return REGION;
            case "AWS::AccountId":
                return ACCOUNT;
            case "AWS::Partition":
                return "aws";
            case "AWS::URLSuffix":
                return "amazonaws.com";
            case "AWS::StackName":
                return "threadline";
            default:
                break;
        }
        if (parameters.containsKey(name)) {
            return parameters.get(name);
        }
        if (name.endsWith(".Alias")) {
            // SAM's alias of a function with AutoPublishAlias (Ref Function.Alias): named after its function
            deployed(name.substring(0, name.length() - ".Alias".length()));
            return name;
        }
        JsonNode r = deployed(name);
        if (r.path("Type").asText().equals("AWS::IAM::ManagedPolicy")) {
            return "arn:aws:iam::" + ACCOUNT + ":policy/" + name;
        }
        return name;
    }

    private String getAtt(String resource, String attribute) {
        JsonNode r = deployed(resource);
        String type = r.path("Type").asText();
        return switch (type + "." + attribute) {
            case "AWS::DynamoDB::Table.Arn" -> "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + resource;
            case "AWS::SQS::Queue.Arn" -> "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + resource;
            case "AWS::KMS::Key.Arn" -> "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/" + resource;
            case "AWS::OpenSearchService::Domain.Arn" -> "arn:aws:es:" + REGION + ":" + ACCOUNT + ":domain/"
                    + value(r.at("/Properties/DomainName"));
            case "AWS::OpenSearchService::Domain.DomainEndpoint" -> "search-" + value(r.at("/Properties/DomainName"))
                    + "-abc123." + REGION + ".es.amazonaws.com";
            default -> throw new AssertionError("GetAtt " + resource + "." + attribute + ": no such attribute of " + type
                    + " known to the test");
        };
    }

    /** A resource that exists under these parameters: referring to one whose condition is false fails the deploy. */
    private JsonNode deployed(String name) {
        JsonNode r = template.path("Resources").get(name);
        if (r == null) {
            throw new AssertionError("Ref/GetAtt/Sub of " + name + ": no parameter, pseudo parameter or resource of that name");
        }
        if (r.has("Condition") && !condition(r.get("Condition").asText())) {
            throw new AssertionError("reference to " + name + ", which is not created under " + parameters);
        }
        return r;
    }
}
