package io.threadline.telemetry;

import io.quarkus.funqy.Funq;
import io.threadline.OperationNames;
import io.threadline.api.ThreadFunctions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operation names are written once ({@link OperationNames}); everything that names operations is held
 * to that list here (template.yaml's functions and routes: TemplateAgreementTest). The spans of /resume,
 * /fork, /rewind, /update and /export were once named "http" because telemetry kept its own, shorter list.
 */
class OperationNamesDriftTest {

    @Test
    void spansAreNamedForEveryOperation() {
        for (String name : OperationNames.ALL) {
            assertThat(Operations.known(name)).as(name).isTrue();
        }
        assertThat(Operations.known("not-an-operation")).isFalse();
    }

    @Test
    void everyOperationIsADirectFunctionAndNothingElseIs() {
        Set<String> functions = new TreeSet<>();
        for (Method m : ThreadFunctions.class.getDeclaredMethods()) {
            Funq funq = m.getAnnotation(Funq.class);
            if (funq != null) {
                functions.add(funq.value().isEmpty() ? m.getName() : funq.value());
            }
        }
        functions.remove("http");   // the API Gateway function serves the operations as routes
        assertThat(functions).isEqualTo(new TreeSet<>(OperationNames.ALL));
    }

    @Test
    void theReadmeTableListsEveryOperation() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (String name : OperationNames.ALL) {
            assertThat(readme).as(name).contains("| `" + name + "` |");
        }
    }
}
