package io.threadline.infra;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * infra/native/MissingClasses.java (compiled once here; infra/native/check runs the source file), on small native-sources directories
 * (a runner jar with a Class-Path, lib/ jars) compiled here: it reports a class absent from the class path only
 * when reachable code names it — from the runner jar or from an included service file — with the path that
 * reaches it; it follows substitutions and folds a branch on a constant-returning method as native-image does;
 * the allow-list explains a finding, and an entry that matches nothing fails.
 */
class MissingClassesTest {

    private static final String TOOL = "infra/native/MissingClasses.java";

    @TempDir
    static Path dir;

    /** The tool, compiled once (each run of the source file would compile it again). */
    private static Path tool;
    /** An application that calls lib.Client.call(), which names gone.Absent: shared by the tests that only read it. */
    private static Path callsClient;

    @BeforeAll
    static void compileTheTool() throws IOException {
        assertThat(Path.of(TOOL)).exists();
        tool = Files.createDirectories(dir.resolve("tool"));
        int exit = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-nowarn", "-d", tool.toString(), TOOL);
        assertThat(exit).isZero();
        callsClient = nativeSources("reachable", LIBRARY, Map.of("app/Main.java",
                "package app; public class Main { public static void main(String[] a) { lib.Client.call(); } }"), null);
    }

    /** A library that names gone.Absent (compiled against it, shipped without it) on a called and an uncalled path. */
    private static final Map<String, String> LIBRARY = Map.of(
            "gone/Absent.java", "package gone; public class Absent { public Absent() {} }",
            "gone/Unused.java", "package gone; public class Unused { public Unused() {} }",
            "lib/Client.java", """
                    package lib;
                    public class Client {
                        public static void call() { new gone.Absent(); }
                        public static void unused() { new gone.Unused(); }
                    }""");

    @Test
    void failsOnAReachableMissingClassAndShowsHowItIsReached() throws Exception {
        Result r = run(callsClient, allowList(""));

        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("missing: gone.Absent").contains("app.Main.main").contains("-> lib.Client.call()V");
        assertThat(r.output()).as("a method nothing calls is not walked").doesNotContain("gone.Unused");
    }

    @Test
    void passesWhenNothingReachableIsMissing() throws Exception {
        Path sources = nativeSources("unreached", LIBRARY, Map.of("app/Main.java",
                "package app; public class Main { public static void main(String[] a) { System.out.println(); } }"), null);

        Result r = run(sources, allowList(""));

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("0 missing references");
    }

    @Test
    void theAllowListExplainsAFindingAndAStaleEntryFails() throws Exception {
        Result allowed = run(callsClient, allowList("gone.* # test: never loaded\n"));
        Result stale = run(callsClient, allowList("gone.* # test: never loaded\nother.Thing # test: gone long ago\n"));

        assertThat(allowed.exit()).as(allowed.output()).isZero();
        assertThat(allowed.output()).contains("1 missing references (1 allowed, 0 not)");
        assertThat(stale.exit()).as(stale.output()).isEqualTo(1);
        assertThat(stale.output()).contains("allow-list entry matches nothing reachable any more (remove it): other.Thing");
    }

    @Test
    void anAllowListEntryWithoutAReasonIsRefused() throws Exception {
        Result r = run(callsClient, allowList("gone.*\n"));

        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("every entry needs '# why it is safe'");
    }

    @Test
    void walksTheProvidersOfServiceFilesTheImageIncludes() throws Exception {
        Map<String, String> library = new LinkedHashMap<>(LIBRARY);
        library.put("spi/Service.java", "package spi; public interface Service { void run(); }");
        library.put("lib/Provider.java", "package lib; public class Provider implements spi.Service { public void run() { new gone.Absent(); } }");
        library.put("META-INF/services/spi.Service", "lib.Provider\n");
        Map<String, String> app = Map.of("app/Main.java",
                "package app; public class Main { static void use(spi.Service s) { s.run(); } }");
        String includes = "{\"resources\":{\"includes\":[{\"pattern\":\"\\\\QMETA-INF/services/spi.Service\\\\E\"}]}}";

        Result included = run(nativeSources("service-in", library, app, includes), allowList(""));
        Result notIncluded = run(nativeSources("service-out", library, app, "{\"resources\":{\"includes\":[]}}"), allowList(""));

        assertThat(included.exit()).as(included.output()).isEqualTo(1);
        assertThat(included.output()).contains("missing: gone.Absent").contains("-> lib.Provider.run()V");
        assertThat(notIncluded.exit()).as("a provider the image does not register is not reached: " + notIncluded.output()).isZero();
    }

    @Test
    void aSubstitutionReturningAConstantCutsTheBranchItGuards() throws Exception {
        Map<String, String> library = new LinkedHashMap<>(LIBRARY);
        library.put("lib/Probe.java", """
                package lib;
                public class Probe {
                    public static boolean available() {
                        try { Class.forName("gone.Absent"); return true; } catch (ClassNotFoundException e) { return false; }
                    }
                    public static void maybe() { if (available()) { new gone.Absent(); } }
                }""");
        String main = "package app; public class Main { public static void main(String[] a) { lib.Probe.maybe(); } }";
        String substitution = """
                package app;
                import com.oracle.svm.core.annotate.Substitute;
                import com.oracle.svm.core.annotate.TargetClass;
                @TargetClass(className = "lib.Probe")
                final class Target_Probe {
                    @Substitute
                    public static boolean available() { return false; }
                }""";

        Result without = run(nativeSources("probe", library, Map.of("app/Main.java", main), null), allowList(""));
        Result with = run(nativeSources("probe-substituted", library, Map.of("app/Main.java", main, "app/Target_Probe.java", substitution), null),
                allowList(""));

        assertThat(without.exit()).as(without.output()).isEqualTo(1);
        assertThat(without.output()).contains("missing: gone.Absent").contains("lib.Probe.maybe()V");
        assertThat(with.exit()).as("the substituted constant false folds the branch: " + with.output()).isZero();
        assertThat(with.output()).contains("1 substitutions");
    }

    // ---- native-sources directories made here ---------------------------------------------------------

    /**
     * target/native-sources as Quarkus writes it, in small: the runner jar (the application's classes, its
     * Class-Path naming lib/library.jar, optionally META-INF/native-image/resource-config.json) and the
     * library jar, which leaves out every class of package gone.
     */
    private static Path nativeSources(String name, Map<String, String> library, Map<String, String> app, String resourceConfig)
            throws IOException {
        Path root = Files.createDirectories(dir.resolve(name));
        Path libClasses = compile(root.resolve("lib-classes"), library, List.of());
        Path appClasses = compile(root.resolve("app-classes"), app, List.of(libClasses));
        Files.createDirectories(root.resolve("lib"));
        jar(root.resolve("lib/library.jar"), libClasses, null, Map.of(), path -> !path.startsWith("gone/"));
        Map<String, String> extra = new LinkedHashMap<>();
        if (resourceConfig != null) {
            extra.put("META-INF/native-image/resource-config.json", resourceConfig);
        }
        jar(root.resolve(name + "-runner.jar"), appClasses, "lib/library.jar", extra, path -> true);
        return root;
    }

    private static Path compile(Path out, Map<String, String> files, List<Path> classPath) throws IOException {
        Path src = Files.createDirectories(out.resolveSibling(out.getFileName() + "-src"));
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-nowarn", "-cp",
                String.join(File.pathSeparator, classPath.stream().map(Path::toString).toList())
                        + File.pathSeparator + System.getProperty("java.class.path")));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path target = f.getKey().endsWith(".java") ? src.resolve(f.getKey()) : out.resolve(f.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, f.getValue());
            if (f.getKey().endsWith(".java")) {
                args.add(target.toString());
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int exit = javac.run(null, null, errors, args.toArray(String[]::new));
        assertThat(exit).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        return out;
    }

    private static void jar(Path jar, Path classes, String classPath, Map<String, String> extra,
                            Predicate<String> keep) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String name = classes.relativize(f).toString().replace('\\', '/');
                if (keep.test(name)) {
                    out.putNextEntry(new JarEntry(name));
                    out.write(Files.readAllBytes(f));
                    out.closeEntry();
                }
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
    }

    private static Path allowList(String text) throws IOException {
        Path file = Files.createTempFile(dir, "allow", ".txt");
        Files.writeString(file, "# test allow-list\n" + text);
        return file;
    }

    record Result(int exit, String output) {}

    private static Result run(Path sources, Path allowList) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                tool.toString(), "MissingClasses"));
        Collections.addAll(command, sources.toString(), allowList.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }
}
