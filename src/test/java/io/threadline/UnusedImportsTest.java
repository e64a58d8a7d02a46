package io.threadline;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No source file imports a name it never uses (session 33 removed some seventy by hand). A plain text scan, no parser:
 * for each single-type import ({@code import a.b.Name;}) and single static import ({@code import static a.b.C.name;})
 * the simple name must occur somewhere outside the import lines. Comments count as a use, so a name imported for a
 * Javadoc {@code {@link Name}} passes, as javac itself would compile it. Wildcard imports are not checked.
 */
class UnusedImportsTest {

    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?[\\w.]+\\.(\\w+)\\s*;[^\\n]*$", Pattern.MULTILINE);

    @Test
    void everySingleImportIsUsed() throws IOException {
        List<String> unused = new ArrayList<>();
        for (Path source : JavaSources.all()) {
            unused.addAll(unusedImports(source, Files.readString(source)));
        }
        assertThat(unused).as("imports whose name the file never uses").isEmpty();
    }

    @Test
    void theScanFindsAnUnusedImportAndAcceptsAJavadocLink() {
        String source = """
                package x;

                import java.util.List;
                import java.util.Map;
                import java.util.Set;
                import static java.util.Objects.requireNonNull;
                import static java.util.Objects.hash;

                /** Keys as a {@link Set}. */
                class X {
                    List<String> names = List.of();
                    Object o = requireNonNull(names);
                    MapLike notAMap;
                }
                """;
        assertThat(unusedImports(Path.of("X.java"), source))
                .containsExactly("X.java: import java.util.Map;", "X.java: import static java.util.Objects.hash;");
    }

    /** The imports of {@code text} whose simple name does not occur as a whole word outside the import lines. */
    static List<String> unusedImports(Path file, String text) {
        String body = IMPORT.matcher(text).replaceAll("");
        List<String> unused = new ArrayList<>();
        Matcher imports = IMPORT.matcher(text);
        while (imports.find()) {
            Pattern use = Pattern.compile("(?<![\\w$])" + Pattern.quote(imports.group(1)) + "(?![\\w$])");
            if (!use.matcher(body).find()) {
                unused.add(file + ": " + imports.group().strip());
            }
        }
        return unused;
    }
}
