package io.threadline.infra;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * infra/package/FlattenFunctionZip.java, run as the build runs it, on small packages made here: what the
 * class loader finds after flattening is what it found before (the root, then lib/ by name, first wins),
 * service files are merged, multi-release jars are read as the given Java release reads them, packed jars
 * stay jars, and a native package or a bad call changes nothing.
 */
class FlattenFunctionZipTest {

    private static final String TOOL = "infra/package/FlattenFunctionZip.java";

    @TempDir
    static Path dir;

    @BeforeAll
    static void toolExists() {
        assertThat(Path.of(TOOL)).exists();
    }

    @Test
    void flattensInTheClassLoadersOrderAndKeepsWhatItFoundFirst() throws Exception {
        Path zip = dir.resolve("function.zip");
        Map<String, byte[]> root = new LinkedHashMap<>();
        root.put("io/app/Handler.class", bytes("handler"));
        root.put("META-INF/MANIFEST.MF", bytes("Manifest-Version: 1.0\n"));
        root.put("application.properties", bytes("a=1\n"));
        root.put("lib/b-lib.jar", jar(Map.of(
                "META-INF/MANIFEST.MF", bytes("Manifest-Version: 1.0\n"),
                "dup/Same.class", bytes("from b"),
                "META-INF/services/x.Spi", bytes("b.Impl"),
                "META-INF/LICENSE", bytes("b licence"),
                "module-info.class", bytes("module b"))));
        root.put("lib/a-lib.jar", jar(Map.of(
                "dup/Same.class", bytes("from a"),
                "lib/linux-x86_64/libnative.so", bytes("native library"),
                "a/Only.class", bytes("a only"),
                "META-INF/services/x.Spi", bytes("a.Impl\n"),
                "META-INF/LICENSE", bytes("a licence"))));
        root.put("lib/c-packed.jar", jar(Map.of("p/Packed.class", bytes("packed"))));
        root.put("lib/d-lib.jar", jar(Map.of("p/Packed.class", bytes("later copy"), "d/D.class", bytes("d"))));
        write(zip, root);

        Result r = run("--release", "17", "--keep-packed", "c-.*\\.jar", zip.toString());

        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, byte[]> out = read(zip);
        assertThat(text(out, "io/app/Handler.class")).isEqualTo("handler");
        assertThat(text(out, "META-INF/MANIFEST.MF")).as("the application's manifest, not a library's").isEqualTo("Manifest-Version: 1.0\n");
        assertThat(text(out, "dup/Same.class")).as("lib/ is searched by name: a-lib before b-lib").isEqualTo("from a");
        assertThat(text(out, "a/Only.class")).isEqualTo("a only");
        assertThat(text(out, "d/D.class")).isEqualTo("d");
        assertThat(out).as("a packed jar stays a jar, and shadows later copies as before")
                .containsKey("lib/c-packed.jar").doesNotContainKey("p/Packed.class");
        assertThat(out.keySet().stream().filter(n -> n.startsWith("lib/") && n.endsWith(".jar"))).containsExactly("lib/c-packed.jar");
        assertThat(text(out, "lib/linux-x86_64/libnative.so")).as("a file a jar keeps under lib/ is a resource like any other").isEqualTo("native library");
        assertThat(text(out, "META-INF/services/x.Spi")).isEqualTo("a.Impl\nb.Impl\n");
        assertThat(text(out, "META-INF/licenses/a-lib/LICENSE")).isEqualTo("a licence");
        assertThat(text(out, "META-INF/licenses/b-lib/LICENSE")).isEqualTo("b licence");
        assertThat(out).doesNotContainKeys("module-info.class", "META-INF/LICENSE");
        assertThat(r.output()).contains("dup/Same.class (b-lib.jar, shadowed by a-lib.jar)");

        // Flattening again changes nothing the class loader sees (a file a jar put under lib/ stays too).
        Map<String, byte[]> before = read(zip);
        assertThat(run("--release", "17", "--keep-packed", "c-.*\\.jar", zip.toString()).exit()).isZero();
        assertThat(read(zip).keySet()).containsExactlyInAnyOrderElementsOf(before.keySet());
    }

    @Test
    void readsAMultiReleaseJarAsTheGivenReleaseWould() throws Exception {
        Path zip = dir.resolve("mr.zip");
        Map<String, byte[]> mr = new LinkedHashMap<>();
        mr.put("META-INF/MANIFEST.MF", bytes("Manifest-Version: 1.0\nMulti-Release: true\n"));
        mr.put("m/Fast.class", bytes("base"));
        mr.put("m/Other.class", bytes("other base"));
        mr.put("META-INF/versions/11/m/Fast.class", bytes("java 11"));
        mr.put("META-INF/versions/17/m/Fast.class", bytes("java 17"));
        mr.put("META-INF/versions/21/m/Fast.class", bytes("java 21"));
        mr.put("META-INF/versions/11/m/Extra.class", bytes("extra 11"));
        mr.put("META-INF/versions/9/module-info.class", bytes("module"));
        write(zip, Map.of("io/app/Handler.class", bytes("h"), "lib/mr.jar", jar(mr)));

        Result r = run("--release", "17", "--keep-packed", "(?!)", zip.toString());

        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, byte[]> out = read(zip);
        assertThat(text(out, "m/Fast.class")).isEqualTo("java 17");
        assertThat(text(out, "m/Other.class")).isEqualTo("other base");
        assertThat(text(out, "m/Extra.class")).isEqualTo("extra 11");
        assertThat(out.keySet()).noneMatch(n -> n.startsWith("META-INF/versions/") || n.startsWith("lib/"));
        assertThat(r.output()).contains("mr.jar!META-INF/versions/21/m/Fast.class");
    }

    @Test
    void leavesANativePackageAlone() throws Exception {
        Path zip = dir.resolve("native.zip");
        write(zip, Map.of("bootstrap", bytes("#!/bin/sh\n")));
        byte[] before = Files.readAllBytes(zip);

        Result r = run("--release", "17", "--keep-packed", "(?!)", zip.toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("no lib/");
        assertThat(Files.readAllBytes(zip)).isEqualTo(before);
    }

    @Test
    void refusesABadCallAndAMissingPackage() throws Exception {
        Result usage = run("target/function.zip");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.output()).contains("usage:");

        Result missing = run("--release", "17", "--keep-packed", "(?!)", dir.resolve("absent.zip").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.output()).contains("absent.zip");
        assertThat(dir.resolve("absent.zip")).doesNotExist();
    }

    record Result(int exit, String output) {}

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), TOOL));
        Collections.addAll(command, args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Map<String, byte[]> entries, String name) {
        assertThat(entries).as("entries").containsKey(name);
        return new String(entries.get(name), StandardCharsets.UTF_8);
    }

    private static byte[] jar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(buffer)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return buffer.toByteArray();
    }

    private static void write(Path zip, Map<String, byte[]> entries) throws IOException {
        Files.write(zip, jar(entries));
    }

    private static Map<String, byte[]> read(Path zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                entries.put(e.getName(), z.getInputStream(e).readAllBytes());
            }
        }
        return entries;
    }
}
