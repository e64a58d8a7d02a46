package io.threadline.config;

import io.quarkus.arc.All;
import io.quarkus.test.junit.QuarkusTest;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.testing.NativeRegistrationCheck;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every agent bean of the application, disabled or not, has its state closure and tool classes registered for
 * reflection — else its native image cannot bind its state or call its tools, which no JVM test shows. The
 * failure names each class missing and the agent it belongs to ({@link NativeRegistrationCheck}).
 */
@QuarkusTest
class AgentNativeRegistrationTest {

    @Inject
    @All
    List<ThreadlineAgent<?>> agents;

    @Test
    void everyAgentsStateAndToolClassesAreRegisteredForReflection() {
        // The application's classes, and the test sources' (their agents register there, like an application's).
        Set<Class<?>> registered = NativeRegistrationCheck.registeredIn(
                NativeRegistrationCheck.classesOf(ThreadlineAgent.class), NativeRegistrationCheck.classesOf(getClass()));

        assertThat(agents).extracting(ThreadlineAgent::name).contains("reference", "approvals");
        assertThat(NativeRegistrationCheck.report(agents, registered)).isEmpty();
    }
}
