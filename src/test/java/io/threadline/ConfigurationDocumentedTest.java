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
 * Every {@code threadline.*} key application.properties sets is in README's configuration table: its own row, or a
 * row for a group it belongs to ({@code threadline.approvals-agent.*}).
 */
class ConfigurationDocumentedTest {

    private static final Pattern KEY = Pattern.compile("(?m)^(threadline\\.[a-z0-9.-]+)=");

    @Test
    void everyKeySetIsDocumented() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        List<String> missing = new ArrayList<>();
        Matcher key = KEY.matcher(properties);
        while (key.find()) {
            String name = key.group(1);
            String group = name.substring(0, name.lastIndexOf('.')) + ".*";
            // its own row, one of a row's several keys ("| `a`, `b` | ..."), or its group's row
            Pattern row = Pattern.compile("(?m)^\\| (`[^`|]+`, )*`" + Pattern.quote(name) + "`(, `[^`|]+`)* \\|");
            if (!row.matcher(readme).find() && !readme.contains("| `" + group + "`")) {
                missing.add(name);
            }
        }
        assertThat(missing).as("keys set in application.properties without a row in README's configuration table").isEmpty();
    }
}
