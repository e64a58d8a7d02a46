package io.threadline.infra;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What AWS's schema cannot check ({@link SamSchemaTest}): every {@code Ref}, {@code Fn::GetAtt} and {@code ${…}}
 * of an {@code Fn::Sub} names a parameter, pseudo parameter or resource that exists (and a GetAtt an attribute
 * its type has), every condition named exists, nothing declared is unused, and every function's Runtime/Handler
 * pair is one Lambda runs: a custom runtime with the {@code bootstrap} executable for native, a Java runtime
 * with a handler class and method the code has for the JVM.
 */
class TemplateReferencesTest {

    private static final Set<String> PSEUDO = Set.of("AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs", "AWS::Partition",
            "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");

    /** GetAtt attributes of the resource types the template uses (CloudFormation's resource reference). */
    private static final Map<String, Set<String>> ATTRIBUTES = Map.of(
            "AWS::DynamoDB::Table", Set.of("Arn", "StreamArn"),
            "AWS::OpenSearchService::Domain", Set.of("Arn", "DomainArn", "DomainEndpoint", "DomainEndpoints", "Id"),
            "AWS::IAM::ManagedPolicy", Set.of("PolicyArn", "PolicyId"),
            "AWS::KMS::Key", Set.of("Arn", "KeyId"),
            "AWS::SQS::Queue", Set.of("Arn", "QueueName", "QueueUrl"));

    /** Custom runtimes Lambda supports today (provided.al2 until its deprecation), and the Java ones. */
    private static final Set<String> CUSTOM_RUNTIMES = Set.of("provided.al2023", "provided.al2");
    private static final Set<String> JAVA_RUNTIMES = Set.of("java21", "java17");
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^!}][^}]*)}");

    private final JsonNode template = CfnTemplate.read();

    @Test
    void everyReferenceNamesSomethingThatExists() {
        Set<String> parameters = names(template.path("Parameters"));
        Set<String> resources = names(template.path("Resources"));
        List<String> wrong = new ArrayList<>();
        walk(template, "", (path, node) -> {
            if (node.has("Ref") && node.size() == 1) {
                String name = node.get("Ref").asText();
                // SAM's generated alias of a function with AutoPublishAlias: Ref Function.Alias
                if (name.endsWith(".Alias") && resources.contains(name.substring(0, name.length() - ".Alias".length()))
                        && template.at("/Resources/" + name.substring(0, name.length() - ".Alias".length()) + "/Properties/AutoPublishAlias").isTextual()) {
                    return;
                }
                if (!PSEUDO.contains(name) && !parameters.contains(name) && !resources.contains(name)) {
                    wrong.add(path + ": Ref " + name);
                }
            }
            if (node.has("Fn::GetAtt") && node.size() == 1) {
                JsonNode arg = node.get("Fn::GetAtt");
                String problem = getAtt(arg.get(0).asText(), arg.size() > 1 ? arg.get(1).asText() : "");
                if (problem != null) {
                    wrong.add(path + ": " + problem);
                }
            }
            if (node.has("Fn::Sub") && node.size() == 1) {
                JsonNode arg = node.get("Fn::Sub");
                Set<String> local = arg.isArray() ? names(arg.get(1)) : Set.of();
                Matcher m = SUB_VARIABLE.matcher(arg.isArray() ? arg.get(0).asText() : arg.asText());
                while (m.find()) {
                    String name = m.group(1);
                    int dot = name.indexOf('.');
                    if (local.contains(name) || PSEUDO.contains(name) || parameters.contains(name) || resources.contains(name)) {
                        continue;
                    }
                    String problem = dot > 0 ? getAtt(name.substring(0, dot), name.substring(dot + 1)) : "Sub ${" + name + "}: nothing of that name";
                    if (problem != null) {
                        wrong.add(path + ": " + problem);
                    }
                }
            }
        });
        assertThat(wrong).isEmpty();
    }

    private String getAtt(String resource, String attribute) {
        JsonNode r = template.path("Resources").get(resource);
        if (r == null) {
            return "GetAtt " + resource + "." + attribute + ": no resource " + resource;
        }
        Set<String> known = ATTRIBUTES.get(r.path("Type").asText());
        if (known == null) {
            return "GetAtt " + resource + "." + attribute + ": the test knows no attributes of " + r.path("Type").asText();
        }
        return known.contains(attribute) ? null : "GetAtt " + resource + "." + attribute + ": " + r.path("Type").asText() + " has " + known;
    }

    @Test
    void everyConditionNamedExistsAndEveryDeclarationIsUsed() {
        Set<String> conditions = names(template.path("Conditions"));
        Set<String> usedConditions = new TreeSet<>();
        Set<String> referenced = new TreeSet<>();
        walk(template, "", (path, node) -> {
            if (node.has("Fn::If")) {
                usedConditions.add(node.get("Fn::If").get(0).asText());
            }
            if (node.has("Condition") && node.get("Condition").isTextual()) {
                usedConditions.add(node.get("Condition").asText());
            }
            if (node.has("Ref") && node.size() == 1) {
                referenced.add(node.get("Ref").asText());
            }
            if (node.has("Fn::Sub") && node.size() == 1) {
                Matcher m = SUB_VARIABLE.matcher(node.get("Fn::Sub").isArray() ? node.get("Fn::Sub").get(0).asText() : node.get("Fn::Sub").asText());
                while (m.find()) {
                    referenced.add(m.group(1));
                }
            }
        });
        assertThat(conditions).as("conditions declared").containsAll(usedConditions);
        assertThat(usedConditions).as("conditions used").containsAll(conditions);
        assertThat(referenced).as("parameters used").containsAll(names(template.path("Parameters")));
    }

    @Test
    void everyFunctionsRuntimeAndHandlerAreOnesLambdaRuns() throws Exception {
        int functions = 0;
        for (var it = template.path("Resources").fields(); it.hasNext(); ) {
            var r = it.next();
            if (!r.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                continue;
            }
            functions++;
            JsonNode props = r.getValue().path("Properties");
            String runtime = props.path("Runtime").asText(template.at("/Globals/Function/Runtime").asText());
            String handler = props.path("Handler").asText(template.at("/Globals/Function/Handler").asText());
            if (CUSTOM_RUNTIMES.contains(runtime)) {
                // A custom runtime starts /var/task/bootstrap: the native build writes it at the zip's root.
                assertThat(handler).as(r.getKey()).isEqualTo("bootstrap");
            } else {
                assertThat(JAVA_RUNTIMES).as(r.getKey() + " runtime").contains(runtime);
                assertThat(Integer.parseInt(runtime.substring(4))).as(r.getKey() + ": the classes are built for Java 17")
                        .isGreaterThanOrEqualTo(17);
                String[] classAndMethod = handler.split("::");
                assertThat(classAndMethod).as(r.getKey() + " handler " + handler).hasSize(2);
                Class<?> type = Class.forName(classAndMethod[0]);
                assertThat(type.getMethods()).extracting(Method::getName).as(r.getKey() + " handler " + handler).contains(classAndMethod[1]);
                assertThat(RequestStreamHandler.class.isAssignableFrom(type)
                        || RequestHandler.class.isAssignableFrom(type))
                        .as(r.getKey() + ": " + type.getName() + " is a Lambda handler").isTrue();
            }
        }
        assertThat(functions).isPositive();
    }

    static Set<String> names(JsonNode object) {
        Set<String> out = new TreeSet<>();
        if (object != null) {
            object.fieldNames().forEachRemaining(out::add);
        }
        return out;
    }

    static void walk(JsonNode node, String path, BiConsumer<String, JsonNode> visit) {
        if (node.isObject()) {
            visit.accept(path, node);
            node.fields().forEachRemaining(e -> walk(e.getValue(), path + "/" + e.getKey(), visit));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "/" + i, visit);
            }
        }
    }
}
