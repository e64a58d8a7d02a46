package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * template.yaml against AWS's published SAM template schema (schema_source/sam.schema.json of
 * aws/serverless-application-model — what SAM's own tooling validates with), after the short-form tags are
 * turned into their long form ({@link CfnTemplate}). The schema is data kept outside the project: its path is
 * {@value #PATH_PROPERTY} (default {@value #DEFAULT_PATH}). Missing, the test is skipped with the reason —
 * except where {@value #REQUIRED_PROPERTY} (or the environment variable {@value #REQUIRED_ENV}) is true, as
 * .ci/run sets it, where a missing schema fails the build instead of passing it untested.
 */
class SamSchemaTest {

    static final String PATH_PROPERTY = "threadline.sam-schema";
    static final String DEFAULT_PATH = "../shared/aws/sam.schema.json";
    static final String REQUIRED_PROPERTY = "threadline.sam-schema.required";
    static final String REQUIRED_ENV = "THREADLINE_SAM_SCHEMA_REQUIRED";

    static Schema schema() throws IOException {
        Path path = Path.of(System.getProperty(PATH_PROPERTY, DEFAULT_PATH));
        if (!Files.isRegularFile(path)) {
            String reason = "AWS's SAM schema is not at " + path.toAbsolutePath().normalize() + " (set -D" + PATH_PROPERTY
                    + "=<path to sam.schema.json of aws/serverless-application-model>)";
            if (required()) {
                fail(reason + "; " + REQUIRED_PROPERTY + "/" + REQUIRED_ENV + " says this build must validate the template");
            }
            assumeTrue(false, reason + ": template.yaml is not validated against it");
        }
        JsonNode schema = new ObjectMapper().readTree(path.toFile());
        // Draft-04, as the schema's $schema says; its own annotations (SAM's pass-through notes, editor descriptions)
        // validate nothing.
        Dialect draft4 = Dialect.builder(Dialects.getDraft4())
                .keyword(new NonValidationKeyword("__samPassThrough"))
                .keyword(new NonValidationKeyword("markdownDescription"))
                .build();
        return SchemaRegistry.withDefaultDialect(draft4).getSchema(schema);
    }

    static boolean required() {
        return Boolean.parseBoolean(System.getProperty(REQUIRED_PROPERTY, System.getenv().getOrDefault(REQUIRED_ENV, "false")));
    }

    static List<String> errors(Schema schema, JsonNode template) {
        return schema.validate(template).stream().map(Error::toString).toList();
    }

    @Test
    void theTemplateIsOneSamAccepts() throws IOException {
        assertThat(errors(schema(), CfnTemplate.read())).isEmpty();
    }

    /** The validator really applies the schema: the error the template once had (issue 25) is reported. */
    @Test
    void policiesInGlobalsAreRefusedAsSamRefusesThem() throws IOException {
        JsonNode template = CfnTemplate.read("""
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function:
                    Timeout: 30
                    Policies:
                      - DynamoDBCrudPolicy: { TableName: !Ref Table }
                Resources:
                  Table: { Type: AWS::DynamoDB::Table }
                """);
        assertThat(errors(schema(), template)).singleElement().asString()
                .contains("/Globals/Function").contains("Policies");
    }

    @Test
    void aFunctionPropertySamDoesNotKnowIsRefused() throws IOException {
        JsonNode template = CfnTemplate.read("""
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: { Runtime: java21, Handler: a.B::handleRequest, CodeUri: x.zip, Timeout: 30, Handlers: [] }
                """);
        assertThat(errors(schema(), template)).isNotEmpty();
    }
}
