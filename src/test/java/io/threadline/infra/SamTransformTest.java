package io.threadline.infra;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * template.yaml through AWS's own tooling: cfn-lint (aws-cloudformation/cfn-lint) runs SAM's transform
 * (aws-sam-translator, what {@code sam deploy} and CloudFormation's {@code AWS::Serverless} transform run) and then
 * checks the resulting CloudFormation against the resource specification. {@link SamSchemaTest}'s schema sees each
 * resource alone; the transform also refuses what only shows across resources — a route two functions define on one
 * HTTP API, which the schema passed and every deploy refused. Where cfn-lint is not on the PATH the test is skipped
 * with that reason (.ci/run prints whether it is there). Warnings are not failures, but for W1001 (see
 * {@link #errors(Path)}): SAM's own output for conditional routes carries W1028, and W1030/W1031 say that
 * {@code ExistingMemoryArn} may be empty in policies that exist only when it is set.
 */
class SamTransformTest {

    private static final Path TEMPLATE = Path.of("template.yaml");

    /** The start of the small templates of the tests below: template.yaml's Runtime parameter and its two conditions. */
    private static final String HEADER_WITH_RUNTIME_CONDITIONS = """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Runtime: { Type: String, AllowedValues: [native, jvm], Default: native }
            Conditions:
              Native: !Equals [!Ref Runtime, native]
              Jvm: !Equals [!Ref Runtime, jvm]
            Resources:
            """;

    @Test
    void theTemplateTransformsAndLintsWithoutErrors() throws Exception {
        assertThat(errors(TEMPLATE)).isEmpty();
    }

    /** The tool really runs SAM's transform: the refusal the template once met is reported as an error. */
    @Test
    void aRouteOfTwoConditionalFunctionsOnOneApiIsAnError() throws Exception {
        String resources = """
                  Api:
                    Type: AWS::Serverless::HttpApi
                """ + stepFunction("A", "Native", "provided.al2023", "bootstrap", "Api")
                + stepFunction("B", "Jvm", "java21", "h", "Api");
        assertThat(errorsOf(resources)).singleElement().asString().contains("E0001").contains("defined multiple times");
    }

    /** A route on the other runtime's API names a resource the stack may not have: a deploy refuses it. */
    @Test
    void aRouteOnAnApiThatMayNotExistIsAnError() throws Exception {
        String resources = """
                  ApiJvm:
                    Type: AWS::Serverless::HttpApi
                    Condition: Jvm
                """ + stepFunction("A", "Native", "provided.al2023", "bootstrap", "ApiJvm");
        assertThat(errorsOf(resources)).isNotEmpty().allSatisfy(e -> assertThat(e).contains("W1001"));
    }

    /** A function resource that exists under {@code condition}, with a {@code POST /step} route on HTTP API {@code api}. */
    private static String stepFunction(String name, String condition, String runtime, String handler, String api) {
        return """
                  %s:
                    Type: AWS::Serverless::Function
                    Condition: %s
                    Properties:
                      Runtime: %s
                      Handler: %s
                      CodeUri: s3://bucket/%s.zip
                      Events:
                        Step: { Type: HttpApi, Properties: { ApiId: !Ref %s, Method: POST, Path: /step } }
                """.formatted(name, condition, runtime, handler, name.toLowerCase(Locale.ROOT), api);
    }

    /** {@link #errors(Path)} of a template of {@link #HEADER_WITH_RUNTIME_CONDITIONS} and {@code resources}. */
    private static List<String> errorsOf(String resources) throws IOException, InterruptedException {
        Path template = Files.createTempFile("sam-transform", ".yaml");
        try {
            Files.writeString(template, HEADER_WITH_RUNTIME_CONDITIONS + resources);
            return errors(template);
        } finally {
            Files.deleteIfExists(template);
        }
    }

    /**
     * The findings cfn-lint reports for {@code template} (its parseable format) that a deploy would meet: every error
     * (E…), and W1001, a reference to a resource that may not exist under the referrer's condition, which
     * CloudFormation refuses at deploy ("Unresolved resource dependencies") though cfn-lint only warns.
     */
    private static List<String> errors(Path template) throws IOException, InterruptedException {
        assumeTrue(onPath("cfn-lint"), "cfn-lint is not on the PATH: template.yaml is not run through SAM's transform");
        Path output = Files.createTempFile("cfn-lint", ".txt");
        try {
            // Output to a file, so a cfn-lint that hangs cannot hold the read and the time limit applies.
            Process lint = new ProcessBuilder("cfn-lint", "--format", "parseable", template.toString())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!lint.waitFor(5, TimeUnit.MINUTES)) {
                lint.destroyForcibly();
                throw new AssertionError("cfn-lint did not finish in 5 minutes");
            }
            return errors(lint.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static List<String> errors(int exit, String out) {
        List<String> errors = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split(":", 7);
            if (fields.length == 7 && (fields[5].startsWith("E") || fields[5].equals("W1001"))) {
                errors.add(line);
            }
        }
        // Exit status bit 2 is "errors found" (cfn-lint's documented bitmask); anything that is not a bitmask of
        // findings (a crash, a usage error) must not pass as "no errors".
        assertThat(exit & ~(2 | 4 | 8)).as("cfn-lint exit status %s:%n%s", exit, out).isZero();
        assertThat((exit & 2) != 0).as("cfn-lint's error bit against its error lines:%n%s", out)
                .isEqualTo(errors.stream().anyMatch(e -> e.split(":", 7)[5].startsWith("E")));
        return errors;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
