package io.threadline.models;

import com.sun.net.httpserver.HttpServer;
import dev.langchain4j.model.chat.ChatModel;
import io.threadline.ErrorCode;
import io.threadline.InvocationDeadline;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.threadline.testing.JsonAnswers.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Bedrock that does not answer: the model call is cut at {@code threadline.bedrock.timeout}, and in Lambda sooner,
 * at the invocation's deadline — as DynamoDB's and OpenSearch's calls are — and answers DEPENDENCY_UNAVAILABLE.
 */
class BedrockDeadlineTest {

    private static HttpServer stalled;
    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    private static String savedKey;
    private static String savedSecret;

    @BeforeAll
    static void start() {
        savedKey = System.getProperty("aws.accessKeyId");
        savedSecret = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.accessKeyId", "AKIDDEADLINETEST");
        System.setProperty("aws.secretAccessKey", "deadline-test-secret");
        try {
            stalled = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port", e);
        }
        // Each request waits on its own thread until the test ends: a Bedrock that takes the request and never answers.
        stalled.setExecutor(Executors.newCachedThreadPool());
        stalled.createContext("/", exchange -> {
            try (exchange) {
                RELEASE.await(30, TimeUnit.SECONDS);
                send(exchange, 500, "{\"message\":\"too late\"}");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stalled.start();
    }

    @AfterAll
    static void stop() {
        RELEASE.countDown();
        stalled.stop(0);
        restore("aws.accessKeyId", savedKey);
        restore("aws.secretAccessKey", savedSecret);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static ChatModel model(Duration timeout) {
        BedrockSettings settings = new BedrockSettings("amazon.nova-lite-v1:0", "amazon.titan-embed-text-v2:0", 1024,
                Optional.of("eu-west-1"), Optional.of(URI.create("http://127.0.0.1:" + stalled.getAddress().getPort())),
                timeout, Duration.ofSeconds(1), 3, OptionalInt.empty());
        BedrockRuntimeClient client = BedrockModels.client(settings, Clock.systemUTC());
        return BedrockModels.chatModel(client, settings);
    }

    @Test
    void aStalledCallIsCutAtItsTimeout() {
        ChatModel model = model(Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThatThrownBy(() -> model.chat("hello")).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10)); // far below the stall (30 s) and, for the deadline, the 20 s timeout; room for a loaded machine
    }

    @Test
    void aStalledCallIsCutAtTheInvocationsDeadline() {
        ChatModel model = model(Duration.ofSeconds(20));
        long start = System.nanoTime();
        assertThatThrownBy(() -> InvocationDeadline.within(Instant.now().plusMillis(800), () -> model.chat("hello")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10)); // far below the stall (30 s) and, for the deadline, the 20 s timeout; room for a loaded machine
    }
}
