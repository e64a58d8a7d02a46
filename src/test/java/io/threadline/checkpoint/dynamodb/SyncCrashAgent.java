package io.threadline.checkpoint.dynamodb;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;

/**
 * An agent whose one SYNC node asks a model, calls a tool, then — in the process that is to be
 * killed — writes a marker and hangs. Every real model and tool call appends a line to a file, so
 * the parent test can count calls across processes. {@link #main} is that separate process.
 */
public final class SyncCrashAgent {

    public record Job(String result) {
        public static final ValueChannel<Job, String> RESULT = Channel.overwriting("result");
    }

    private SyncCrashAgent() {
    }

    static void appendLine(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model that asks for the tool, then answers with its result; counts its calls in {@code dir/model-calls}. */
    static ChatModel model(Path dir) {
        return new ChatModel() {
            @Override
            public ChatResponse doChat(ChatRequest request) {
                appendLine(dir.resolve("model-calls"), "call");
                if (request.messages().size() == 1) {
                    return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder().id("c1").name("charge")
                            .arguments("{\"cents\": 500}").build())).build();
                }
                return ChatResponse.builder().aiMessage(AiMessage.from("charged")).build();
            }
        };
    }

    /** The tool with a side effect that must not happen twice. */
    public static final class Payments {
        private final Path dir;

        Payments(Path dir) {
            this.dir = dir;
        }

        @Tool("Charges the customer")
        public String charge(int cents) {
            appendLine(dir.resolve("tool-calls"), "charged " + cents);
            return "receipt-" + cents;
        }
    }

    static CompiledGraph<Job> graph(Path dir, boolean hangAfterTool) {
        return StateGraph.of(Job.class)
                .node("pay", (s, ctx) -> {
                    UserMessage ask = UserMessage.from("charge 5 dollars");
                    ChatResponse first = ctx.chat(ChatRequest.builder().messages(List.of(ask)).toolSpecifications(ctx.toolSpecifications()).build());
                    ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
                    String receipt = ctx.executeTool(call);
                    if (hangAfterTool) {
                        appendLine(dir.resolve("ready"), "tool done");
                        try {
                            Thread.sleep(120_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    ChatResponse done = ctx.chat(ChatRequest.builder().messages(List.of(ask, first.aiMessage(),
                            ToolExecutionResultMessage.from(call, receipt))).build());
                    return Update.of(Job.RESULT.set(done.aiMessage().text() + " " + receipt));
                }, NodePolicy.durability(Durability.SYNC))
                .chain(StateGraph.START, "pay", StateGraph.END)
                .compile();
    }

    static ThreadRuntime<Job> runtime(DynamoDbClient client, String table, Path dir, boolean hangAfterTool) {
        return ThreadRuntime.builder(graph(dir, hangAfterTool))
                .store(new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC()))
                .validator(LocalDemo.plainValidator())
                .chatModel(model(dir))
                .tools(ToolBox.of(new Payments(dir)))
                .build();
    }

    /** The process to kill: {@code endpoint table tenant threadId dir}. */
    public static void main(String[] args) {
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create(args[0])).region(Region.of(DynamoDbLocal.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(DynamoDbLocal.ACCESS_KEY,
                        DynamoDbLocal.SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create()).build();
        runtime(client, args[1], Path.of(args[4]), true).step(ThreadKey.of(args[2], args[3]));
    }
}
