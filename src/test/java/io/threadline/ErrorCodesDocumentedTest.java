package io.threadline;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every stable error code has a row in README's code table, with the HTTP status the adapters answer. */
class ErrorCodesDocumentedTest {

    @Test
    void everyCodeIsInTheReadmeWithItsStatus() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (ErrorCode code : ErrorCode.values()) {
            // "| `CODE` | 409 |" or a shared row "| `A` / `CODE` | 404 |"
            Matcher row = Pattern.compile("(?m)^\\| [^|]*`" + code.name() + "`[^|]* \\| (\\d{3}) \\|").matcher(readme);
            assertThat(row.find()).as("README has a row for %s", code).isTrue();
            assertThat(Integer.parseInt(row.group(1))).as(code.name()).isEqualTo(code.httpStatus());
        }
    }
}
