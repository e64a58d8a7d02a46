package io.threadline.infra;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A native image holds only the classpath resources it is told to (the JVM reads any): every resource the
 * application ships besides application.properties must match {@code quarkus.native.resources.includes},
 * so a new one (an index template, a table definition) cannot be forgotten until a native function fails.
 */
class NativeResourcesTest {

    private static final Path RESOURCES = Path.of("src/main/resources");

    @Test
    void everyApplicationResourceIsIncludedInTheNativeImage() throws IOException {
        Properties config = new Properties();
        try (Reader in = Files.newBufferedReader(RESOURCES.resolve("application.properties"))) {
            config.load(in);
        }
        String includes = config.getProperty("quarkus.native.resources.includes", "");
        List<PathMatcher> matchers = Arrays.stream(includes.split(",")).map(String::trim).filter(g -> !g.isEmpty())
                .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
        List<Path> resources;
        try (Stream<Path> files = Files.walk(RESOURCES)) {
            resources = files.filter(Files::isRegularFile).map(RESOURCES::relativize)
                    .filter(p -> !p.toString().equals("application.properties")).toList();
        }
        assertThat(resources).as("the application's resources (at least the DynamoDB table definition)").isNotEmpty();
        assertThat(resources).as("resources missing from quarkus.native.resources.includes in application.properties")
                .allMatch(p -> matchers.stream().anyMatch(m -> m.matches(p)));
    }
}
