package io.threadline;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering of DESIGN.md, checked on the sources: the core packages import nothing from AWS,
 * Quarkus, HTTP, OpenSearch or OpenTelemetry, and each core package only the packages below it; the
 * API and configuration never reach into the examples, and the examples never into an {@code internal}
 * package. A plain source scan: it fails on the import line, or on a fully-qualified name written in the
 * code (comments and string literals aside), whatever the class does with it. And no Java source of the repository
 * names a type fully qualified in code where an import would do (the file giving the simple name to another type is
 * the exception).
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java/io/threadline");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    /**
     * A qualified name in code, of any package (java., javax., jakarta. as much as Threadline's or a library's): packages
     * in lower case, then a type (a dot before it would make it a member access).
     */
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])((?:[a-z]\\w*\\.)+[A-Z]\\w*)");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern SINGLE_TYPE_IMPORT = Pattern.compile("^import\\s+([\\w.]+\\.([A-Z]\\w*))\\s*;", Pattern.MULTILINE);
    /** The trees whose packages are one: a test source sees its package's product types without an import. */
    private static final List<Path> PACKAGE_ROOTS = List.of(Path.of("src/main/java"), Path.of("src/test/java"));
    private static final Pattern DECLARED_TYPE = Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");
    /** Comments, string and character literals, text blocks: what a reference scan must not read as code. */
    private static final Pattern NOT_CODE = Pattern.compile("\"\"\"[\\s\\S]*?\"\"\"|//[^\\n]*|/\\*[\\s\\S]*?\\*/"
            + "|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])+'");
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
                    "io.threadline.effects"),
            // and the clients' plumbing, for the condition its native substitutions share (ClassAbsent)
            "telemetry", List.of("io.threadline.state", "io.threadline.graph", "io.threadline.checkpoint", "io.threadline.memory",
                    "io.threadline.effects", "io.threadline.runtime", "io.threadline.clients"),
            // background runs drive the runtime one step per queue message; their queue and store adapters are runs.sqs, runs.dynamodb
            "runs", List.of("io.threadline.state", "io.threadline.graph", "io.threadline.checkpoint", "io.threadline.runtime"));

    /** Packages whose code names Threadline types by import, never fully qualified in line. */
    private static final List<String> IMPORTS_ONLY = List.of("state", "graph", "checkpoint", "memory", "effects", "runtime", "telemetry", "runs");


    @Test
    void corePackagesImportNoAdapterCode() throws IOException {
        List<String> offences = new ArrayList<>();
        for (String pkg : ALLOWED.keySet()) {
            if (pkg.equals("telemetry")) {
                continue; // the OpenTelemetry adapter of the core's observer
            }
            for (Path file : coreSources(pkg)) {
                for (String imported : references(file)) {
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
                    for (String imported : references(file)) {
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
    void theApiAndConfigurationDoNotDependOnTheExamples() throws IOException {
        List<String> offences = new ArrayList<>();
        for (String pkg : List.of("api", "config")) {
            for (Path file : sources(pkg)) {
                references(file).stream().filter(r -> r.startsWith("io.threadline.examples."))
                        .forEach(r -> offences.add(MAIN.relativize(file) + " uses " + r));
            }
        }
        assertThat(offences).as("the examples are built on the product, never the other way round").isEmpty();
    }

    @Test
    void theExamplesUseNoInternalPackage() throws IOException {
        List<String> offences = new ArrayList<>();
        for (Path file : sources("examples")) {
            references(file).stream().filter(r -> r.startsWith("io.threadline.") && r.contains(".internal."))
                    .forEach(r -> offences.add(MAIN.relativize(file) + " uses " + r));
        }
        assertThat(offences).as("the examples show what a user writes: public API only").isEmpty();
    }

    @Test
    void coreCodeNamesThreadlineTypesByImport() throws IOException {
        List<String> offences = new ArrayList<>();
        for (String pkg : IMPORTS_ONLY) {
            for (Path file : coreSources(pkg)) {
                inlineNames(file).stream().filter(r -> r.startsWith("io.threadline."))
                        .forEach(r -> offences.add(MAIN.relativize(file) + " names " + r + " in line"));
            }
        }
        assertThat(offences).as("an import says what a class depends on; a name written in line hides it").isEmpty();
    }

    @Test
    void codeNamesTypesByImportUnlessTheSimpleNameIsTaken() throws IOException {
        List<String> offences = new ArrayList<>();
        for (Path file : JavaSources.all()) {
            String name = file.toString().replace('\\', '/');
            namesAnImportWouldServe(Files.readString(file), packageTypes(file))
                    .forEach(r -> offences.add(name + " names " + r + " in line"));
        }
        assertThat(offences).as("no fully-qualified name in code where an import would do").isEmpty();
    }

    @Test
    void theInlineNameScanAllowsOnlyAClash() {
        String source = """
                package io.threadline.x;

                import io.threadline.y.Duration;

                /** Javadoc may name {@link java.util.Map} in full. */
                class Sample {
                    record Proxy(String name) {}
                    java.util.List<String> names = java.util.List.of("java.util.Set"); // java.util.Queue
                    java.time.Duration timeout;
                    java.lang.reflect.Proxy handler;
                    java.time.Clock clock;
                    io.threadline.x.Sibling sibling;
                    io.threadline.y.Duration imported;
                    java.lang.String plain;
                }
                """;
        // Duration is imported, Proxy declared, Clock a type of the file's own package: their inline names are needed.
        assertThat(namesAnImportWouldServe(source, Set.of("Sample", "Sibling", "Clock"))).containsExactly("java.util.List",
                "java.util.List", "io.threadline.x.Sibling", "io.threadline.y.Duration", "java.lang.String");
    }

    @Test
    void theScanSeesInlineNamesInCodeOnly() {
        String code = "class A { /* io.threadline.examples.X */ String s = \"io.threadline.examples.Y\"; // io.threadline.examples.Z\n"
                + " io.threadline.examples.reference.LocalDemo demo; char c = 'x'; java.util.List<io.threadline.state.internal.JsonPatch> l; }";
        assertThat(inlineNames(code)).containsExactly("io.threadline.examples.reference.LocalDemo", "java.util.List",
                "io.threadline.state.internal.JsonPatch");
    }

    @Test
    void theScanSeesTheCore() throws IOException {
        // Guards against a scan that passes because it read nothing.
        assertThat(coreSources("state")).hasSizeGreaterThan(5);
        assertThat(coreSources("runtime")).isNotEmpty();
        assertThat(imports(MAIN.resolve("runtime/ThreadRuntime.java"))).contains("io.threadline.checkpoint.CheckpointStore");
    }

    /** Sources of a package and all its sub-packages. */
    private static List<Path> sources(String pkg) throws IOException {
        return JavaSources.under(MAIN.resolve(pkg));
    }

    /** Sources of a core package and its sub-packages, except adapter sub-packages (checkpoint.dynamodb, memory.opensearch, runs.dynamodb, runs.sqs). */
    private static List<Path> coreSources(String pkg) throws IOException {
        Path dir = MAIN.resolve(pkg);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.toString().contains("/dynamodb/") && !f.toString().contains("/opensearch/")
                            && !f.toString().contains("/sqs/"))
                    .toList();
        }
    }

    /** What a file depends on: its imports and the qualified names written in its code. */
    private static List<String> references(Path file) throws IOException {
        List<String> out = new ArrayList<>(imports(file));
        out.addAll(inlineNames(file));
        return out;
    }

    private static List<String> inlineNames(Path file) throws IOException {
        return inlineNames(Files.readString(file));
    }

    /** Qualified type names in code, outside import and package lines, comments and literals. */
    static List<String> inlineNames(String source) {
        String code = NOT_CODE.matcher(source).replaceAll(" ").replaceAll("(?m)^\\s*(?:import|package)\\s[^;]*;", "");
        Matcher m = QUALIFIED.matcher(code);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The qualified names in {@code source}'s code that an import would serve: all but those whose simple name the file
     * already gives another type, by a single-type import, a type it declares, or a type of its own package ({@code
     * packageTypes}): there the simple name would mean that other type.
     */
    static List<String> namesAnImportWouldServe(String source, Set<String> packageTypes) {
        Matcher pkg = PACKAGE.matcher(source);
        String own = pkg.find() ? pkg.group(1) + "." : "";
        Map<String, String> imported = new HashMap<>();
        Matcher imports = SINGLE_TYPE_IMPORT.matcher(source);
        while (imports.find()) {
            imported.put(imports.group(2), imports.group(1));
        }
        Set<String> local = new HashSet<>(packageTypes);
        Matcher declared = DECLARED_TYPE.matcher(NOT_CODE.matcher(source).replaceAll(" "));
        while (declared.find()) {
            local.add(declared.group(1));
        }
        return inlineNames(source).stream().filter(name -> {
            String simple = name.substring(name.lastIndexOf('.') + 1);
            boolean takenByImport = imported.containsKey(simple) && !imported.get(simple).equals(name);
            boolean takenLocally = local.contains(simple) && !name.equals(own + simple);
            return !takenByImport && !takenLocally;
        }).toList();
    }

    /**
     * The simple names of the top-level types of {@code file}'s package: its sibling sources and, a product or test
     * source, those of the same package in the other tree (a test sees the product's package-mates by simple name).
     */
    private static Set<String> packageTypes(Path file) throws IOException {
        Set<Path> dirs = new HashSet<>(List.of(file.getParent()));
        for (Path root : PACKAGE_ROOTS) {
            if (file.startsWith(root)) {
                Path pkg = root.relativize(file.getParent());
                PACKAGE_ROOTS.forEach(r -> dirs.add(r.resolve(pkg)));
            }
        }
        Set<String> types = new HashSet<>();
        for (Path dir : dirs) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> siblings = Files.list(dir)) {
                    siblings.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".java"))
                            .forEach(f -> types.add(f.substring(0, f.length() - ".java".length())));
                }
            }
        }
        return types;
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
