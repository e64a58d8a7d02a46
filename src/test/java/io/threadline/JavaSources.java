package io.threadline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java sources the source scans read (UnusedImportsTest, ArchitectureTest): the product's, its tests', the benchmarks', infra's. */
final class JavaSources {

    private static final List<Path> ROOTS = List.of(Path.of("src/main/java"), Path.of("src/test/java"), Path.of("bench/java"), Path.of("infra"));

    private JavaSources() {
    }

    /** Every source below the roots; fails on too few, so that a scan cannot pass because it read nothing. */
    static List<Path> all() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (Path root : ROOTS) {
            sources.addAll(under(root));
        }
        assertThat(sources).as("java sources scanned").hasSizeGreaterThan(100);
        return sources;
    }

    /** The sources below {@code dir}, sorted (none if it does not exist). */
    static List<Path> under(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
