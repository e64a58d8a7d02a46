package io.threadline.examples.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * A deterministic, offline chat model for the reference agent: the model it runs on locally, in the
 * demo and in tests, behind the same langchain4j {@link ChatModel} interface as OpenAI or Bedrock.
 *
 * <ul>
 *   <li>When the last message is a user message with a binary arithmetic expression ({@code 6 * 7}),
 *       it asks for the {@code calculator} tool; for "count the words in …", for {@code word_count};
 *       both, as two calls, when both apply. Only tools the request offers are asked for, with the
 *       offered tool's first parameter.</li>
 *   <li>When the last messages are tool results, it answers with them:
 *       "The answer to '&lt;task&gt;' is &lt;result&gt;."</li>
 *   <li>Otherwise it answers directly, mentioning the memories the system message lists under
 *       "Relevant memories from earlier conversations:" (the reference agent's prompt).</li>
 * </ul>
 *
 * Token usage counts words; the model name is {@value #MODEL_NAME}. Same request, same reply.
 */
public final class LocalChatModel implements ChatModel {

    public static final String MODEL_NAME = "threadline-local";

    private static final String COUNT_WORDS = "count the words in";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ChatResponse doChat(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        String task = lastUserText(messages);
        List<ToolExecutionResultMessage> results = trailingResults(messages);
        AiMessage reply;
        if (!results.isEmpty()) {
            reply = AiMessage.from(answer(task, results));
        } else {
            List<ToolExecutionRequest> calls = messages.isEmpty() || !(messages.get(messages.size() - 1) instanceof UserMessage)
                    ? List.of() : toolCalls(task, request.toolSpecifications());
            reply = calls.isEmpty() ? AiMessage.from(direct(task, memories(messages))) : AiMessage.from(calls);
        }
        return ChatResponse.builder()
                .aiMessage(reply)
                .finishReason(reply.hasToolExecutionRequests() ? FinishReason.TOOL_EXECUTION : FinishReason.STOP)
                .tokenUsage(new TokenUsage(words(messages), words(reply)))
                .modelName(MODEL_NAME)
                .build();
    }

    private static List<ToolExecutionRequest> toolCalls(String task, List<ToolSpecification> offered) {
        if (task == null) {
            return List.of();
        }
        List<ToolExecutionRequest> calls = new ArrayList<>();
        Matcher arithmetic = AgentTools.ARITHMETIC.matcher(task);
        if (arithmetic.find()) {
            call("calculator", arithmetic.group(), offered, calls);
        }
        int at = task.toLowerCase(Locale.ROOT).indexOf(COUNT_WORDS);
        if (at >= 0) {
            call("word_count", task.substring(at + COUNT_WORDS.length()).trim(), offered, calls);
        }
        return calls;
    }

    private static void call(String tool, String argument, List<ToolSpecification> offered, List<ToolExecutionRequest> calls) {
        Optional<ToolSpecification> spec = offered == null ? Optional.empty()
                : offered.stream().filter(s -> s.name().equals(tool)).findFirst();
        if (spec.isEmpty()) {
            return;
        }
        String parameter = spec.get().parameters() == null || spec.get().parameters().properties().isEmpty() ? "input"
                : spec.get().parameters().properties().keySet().iterator().next();
        String arguments = JSON.createObjectNode().put(parameter, argument).toString();
        calls.add(ToolExecutionRequest.builder().id("call_" + (calls.size() + 1)).name(tool).arguments(arguments).build());
    }

    private static String answer(String task, List<ToolExecutionResultMessage> results) {
        if (results.size() == 1) {
            String result = results.get(0).text();
            return result.startsWith("error: ")
                    ? "I could not work out '" + task + "': " + result.substring("error: ".length()) + "."
                    : "The answer to '" + task + "' is " + result + ".";
        }
        List<String> parts = results.stream().map(r -> r.text() + " (" + r.toolName() + ")").toList();
        return "The answers to '" + task + "' are " + String.join(", ", parts.subList(0, parts.size() - 1))
                + " and " + parts.get(parts.size() - 1) + ".";
    }

    private static String direct(String task, List<String> memories) {
        if (task == null) {
            return ReferenceAgent.GREETING;
        }
        boolean toolTask = AgentTools.ARITHMETIC.matcher(task).find() || task.toLowerCase(Locale.ROOT).contains(COUNT_WORDS);
        String text = toolTask ? "I read '" + task + "', but I have no tool to work it out."
                : "I read '" + task + "', but none of my tools applies; try 'what is 6 * 7'.";
        return memories.isEmpty() ? text : text + " From earlier conversations I remember: " + String.join("; ", memories) + ".";
    }

    private static String lastUserText(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof UserMessage user && user.hasSingleText()) {
                return user.singleText();
            }
        }
        return null;
    }

    private static List<ToolExecutionResultMessage> trailingResults(List<ChatMessage> messages) {
        int from = messages.size();
        while (from > 0 && messages.get(from - 1) instanceof ToolExecutionResultMessage) {
            from--;
        }
        List<ToolExecutionResultMessage> results = new ArrayList<>();
        for (int i = from; i < messages.size(); i++) {
            results.add((ToolExecutionResultMessage) messages.get(i));
        }
        return results;
    }

    private static List<String> memories(List<ChatMessage> messages) {
        List<String> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m instanceof SystemMessage system) {
                int at = system.text().indexOf(ReferenceAgent.MEMORY_HEADING);
                if (at >= 0) {
                    for (String line : system.text().substring(at + ReferenceAgent.MEMORY_HEADING.length()).split("\n")) {
                        if (line.startsWith("- ")) {
                            out.add(line.substring(2));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static int words(List<ChatMessage> messages) {
        int n = 0;
        for (ChatMessage m : messages) {
            if (m instanceof SystemMessage s) {
                n += words(s.text());
            } else if (m instanceof UserMessage u && u.hasSingleText()) {
                n += words(u.singleText());
            } else if (m instanceof AiMessage a) {
                n += words(a);
            } else if (m instanceof ToolExecutionResultMessage t) {
                n += words(t.text());
            }
        }
        return n;
    }

    private static int words(AiMessage message) {
        int n = words(message.text());
        if (message.hasToolExecutionRequests()) {
            for (ToolExecutionRequest call : message.toolExecutionRequests()) {
                n += words(call.arguments());
            }
        }
        return n;
    }

    private static int words(String text) {
        return text == null || text.isBlank() ? 0 : text.trim().split("\\s+").length;
    }
}
