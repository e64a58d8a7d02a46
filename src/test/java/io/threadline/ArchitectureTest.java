package io.threadline;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering of DESIGN.md, checked on the sources: the core packages import nothing from AWS,
 * Quarkus, HTTP, OpenSearch or OpenTelemetry, and each core package only the packages below it.
 * A plain source scan: it fails on the import line, whatever the class does with it.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/io/threadline");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    private static final List<String> ADAPTER_PREFIXES = List.of(
            "software.amazon", "com.amazonaws", "io.quarkus", "jakarta.ws", "org.opensearch", "io.opentelemetry", "io.vertx",
            // langchain4j's plain interfaces (ChatModel, ToolSpecification) are the core's model API; the Quarkus wiring is not
            "io.quarkiverse");

    /** Which Threadline packages each core package may import (besides the root package and itself). */
    private static final Map<String, List<String>> ALLOWED = Map.of(
            "state", List.of(),
            "graph", List.of("io.threadline.state"),
            "checkpoint", List.of("io.threadline.state"),
            "memory", List.of(),
            // effects encode a step's log as its checkpoint keeps it (EffectLog), as DESIGN.md's layering allows
            "effects", List.of("io.threadline.checkpoint"),
            "runtime", List.of("io.threadline.state", "io.threadline.graph", "io.threadline.checkpoint", "io.threadline.memory",
                    "io.threadline.effects"));

    @Test
    void corePackagesImportNoAdapterCode() throws IOException {
        List<String> offences = new ArrayList<>();
        for (String pkg : ALLOWED.keySet()) {
            for (Path file : coreSources(pkg)) {
                for (String imported : imports(file)) {
                    if (ADAPTER_PREFIXES.stream().anyMatch(imported::startsWith)) {
                        offences.add(MAIN.relativize(file) + " imports " + imported);
                    }
                }
            }
        }
        assertThat(offences).as("core must not depend on adapters (DESIGN.md)").isEmpty();
    }

    @Test
    void corePackagesOnlyImportTheLayersBelowThem() throws IOException {
        List<String> offences = new ArrayList<>();
        ALLOWED.forEach((pkg, allowed) -> {
            try {
                for (Path file : coreSources(pkg)) {
                    for (String imported : imports(file)) {
                        if (!imported.startsWith("io.threadline.")) {
                            continue;
                        }
                        String target = imported.substring("io.threadline.".length());
                        boolean root = !target.contains(".") || Character.isUpperCase(target.charAt(0));
                        boolean own = imported.startsWith("io.threadline." + pkg + ".");
                        if (!root && !own && allowed.stream().noneMatch(a -> imported.startsWith(a + "."))) {
                            offences.add(MAIN.relativize(file) + " imports " + imported);
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(offences).isEmpty();
    }

    @Test
    void theScanSeesTheCore() throws IOException {
        // Guards against a scan that passes because it read nothing.
        assertThat(coreSources("state")).hasSizeGreaterThan(5);
        assertThat(coreSources("runtime")).isNotEmpty();
        assertThat(imports(MAIN.resolve("runtime/ThreadRuntime.java"))).contains("io.threadline.checkpoint.CheckpointStore");
    }

    /** Sources of a core package and its sub-packages, except adapter sub-packages (checkpoint.dynamodb, memory.opensearch). */
    private static List<Path> coreSources(String pkg) throws IOException {
        Path dir = MAIN.resolve(pkg);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.toString().contains("/dynamodb/") && !f.toString().contains("/opensearch/"))
                    .toList();
        }
    }

    private static List<String> imports(Path file) throws IOException {
        Matcher m = IMPORT.matcher(Files.readString(file));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
