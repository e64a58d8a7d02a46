package io.threadline.infra;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lambda package that {@code mvn package} built (target/function.zip, what template.yaml deploys) fits
 * Lambda: under 250 MB unzipped, and without the in-process embedding model and its ONNX runtime, which
 * alone take a package to ~247 MB (they belong to the {@code local} profile and the tests). Runs in
 * {@code mvn verify} after packaging (failsafe), and prints the sizes for CI's log.
 */
class LambdaPackageIT {

    /** Lambda's limit on a function's unzipped code, layers included: 250 MB. */
    static final long LAMBDA_UNZIPPED_LIMIT = 250L * 1024 * 1024;

    private static final List<String> FORBIDDEN = List.of("onnxruntime", "langchain4j-embeddings", "ai.djl", "tokenizers");

    private static Path zip;
    private static final List<ZipEntry> entries = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        zip = Path.of(System.getProperty("threadline.lambda-package", "target/function.zip"));
        assertThat(zip).as("the Lambda package; build it with mvn package").exists();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            entries.addAll(Collections.list(z.entries()));
        }
    }

    @Test
    void unzippedItFitsLambdasLimit() throws IOException {
        long unzipped = entries.stream().mapToLong(ZipEntry::getSize).sum();
        System.out.printf("Lambda package %s: %.1f MB zipped, %.1f MB unzipped (limit %d MB), %d entries%n",
                zip, Files.size(zip) / 1048576.0, unzipped / 1048576.0, LAMBDA_UNZIPPED_LIMIT / 1048576, entries.size());
        assertThat(entries).as("every entry's size is known").allMatch(e -> e.getSize() >= 0);
        assertThat(unzipped).as("unzipped bytes of " + zip).isLessThan(LAMBDA_UNZIPPED_LIMIT);
    }

    /**
     * infra/package/FlattenFunctionZip.java ran: the dependencies' classes are files at the root (what Lambda's
     * class loader finds fastest), lib/ keeps only the jars pom.xml names as packed, multi-release classes are
     * resolved (a directory has no per-JDK versions), and service files several jars declare are merged.
     */
    @Test
    void theDependenciesAreFlattenedAtTheRoot() throws IOException {
        List<String> names = entries.stream().map(ZipEntry::getName).toList();
        Pattern keepPacked = Pattern.compile(System.getProperty("threadline.lambda.keep-packed", "(?!)"));
        List<String> jars = names.stream().filter(n -> n.startsWith("lib/") && n.endsWith(".jar")).toList();
        assertThat(jars).as("jars left in lib/").allMatch(j -> keepPacked.matcher(j.substring("lib/".length())).matches());
        assertThat(jars).as("the packed ones are there").anyMatch(j -> j.contains("opensearch-java"));
        assertThat(names).as("classes of dependencies at the root").contains(
                "software/amazon/awssdk/services/dynamodb/DynamoDbClient.class",
                "io/quarkus/runtime/Application.class",
                "com/fasterxml/jackson/databind/ObjectMapper.class");
        assertThat(names).as("no multi-release versions left at the root").noneMatch(n -> n.startsWith("META-INF/versions/"));
        assertThat(names).as("each name once").doesNotHaveDuplicates();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            String modules = new String(z.getInputStream(z.getEntry("META-INF/services/com.fasterxml.jackson.databind.Module"))
                    .readAllBytes(), StandardCharsets.UTF_8);
            assertThat(modules).as("Jackson modules of four jars, merged").contains(
                    "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule", "com.fasterxml.jackson.datatype.jdk8.Jdk8Module",
                    "com.fasterxml.jackson.module.paramnames.ParameterNamesModule");
        }
    }

    @Test
    void itHoldsTheApplicationAndNoInProcessEmbeddingModel() {
        List<String> names = entries.stream().map(ZipEntry::getName).toList();
        assertThat(names).as("the handler template.yaml names is in the package")
                .contains("io/threadline/api/ThreadlineLambdaHandler.class");
        assertThat(names).as("no in-process embedding model or ONNX runtime in the Lambda package")
                .noneMatch(n -> FORBIDDEN.stream().anyMatch(n::contains));
    }
}
