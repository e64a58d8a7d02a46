package io.threadline.examples.reference;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import io.threadline.effects.ToolBox;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The offline model behind the langchain4j interface, and the agent's tools as the model sees them. */
class LocalChatModelTest {

    private final LocalChatModel model = new LocalChatModel();
    private final ToolBox tools = ReferenceAgent.tools();

    @Test
    void theToolsAreOfferedWithTheirParametersAndRunFromTheModelsArguments() {
        assertThat(tools.specifications()).extracting(ToolSpecification::name).containsExactly("calculator", "word_count");
        assertThat(tools.specifications()).extracting(s -> s.parameters().properties().keySet())
                .containsExactly(Set.of("expression"), Set.of("text"));
        assertThat(tools.execute(call("calculator", "{\"expression\":\"1.5 x 4\"}"))).isEqualTo("6");
        assertThat(tools.execute(call("calculator", "{\"expression\":\"10 / 4\"}"))).isEqualTo("2.5");
        assertThat(tools.execute(call("word_count", "{\"text\":\"  one  two\\tthree \"}"))).isEqualTo("3");
        assertThatThrownBy(() -> tools.execute(call("calculator", "{\"expression\":\"six times seven\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not an arithmetic expression: six times seven");
    }

    @Test
    void asksForTheOfferedToolWithTheParameterItDeclares() {
        ToolSpecification calculator = ToolSpecification.builder().name("calculator").description("maths")
                .parameters(JsonObjectSchema.builder().addStringProperty("formula").required("formula").build()).build();

        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("what is 3 - 5?"))
                .toolSpecifications(calculator).build());

        assertThat(r.aiMessage().toolExecutionRequests()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("call_1");
            assertThat(c.name()).isEqualTo("calculator");
            assertThat(c.arguments()).isEqualTo("{\"formula\":\"3 - 5\"}");
        });
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(r.modelName()).isEqualTo("threadline-local");
        assertThat(r.tokenUsage().inputTokenCount()).as("what is 3 - 5?").isEqualTo(5);
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(3);
    }

    @Test
    void withoutOfferedToolsItSaysItCannotWorkItOut() {
        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("what is 3 - 5?")).build());

        assertThat(r.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(r.aiMessage().text()).isEqualTo("I read 'what is 3 - 5?', but I have no tool to work it out.");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void answersWithTheToolResultsThatEndTheConversation() {
        ToolExecutionRequest asked = call("word_count", "{\"text\":\"a b\"}");
        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("count the words in a b"),
                AiMessage.from(asked), ToolExecutionResultMessage.from(asked, "2")).build());

        assertThat(r.aiMessage().text()).isEqualTo("The answer to 'count the words in a b' is 2.");
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(11);
    }

    @Test
    void mentionsTheMemoriesItsSystemMessageLists() {
        ChatRequest request = ChatRequest.builder().messages(
                SystemMessage.from("Be brief.\n" + ReferenceAgent.MEMORY_HEADING + "\n- the user likes primes\n- the user is Ada"),
                UserMessage.from("hello")).toolSpecifications(tools.specifications()).build();

        ChatResponse r = model.chat(request);

        assertThat(r.aiMessage().text()).isEqualTo("I read 'hello', but none of my tools applies; try 'what is 6 * 7'. "
                + "From earlier conversations I remember: the user likes primes; the user is Ada.");
        assertThat(model.chat(request)).as("the same request, the same reply").isEqualTo(r);
    }

    private static ToolExecutionRequest call(String name, String arguments) {
        return ToolExecutionRequest.builder().id("c").name(name).arguments(arguments).build();
    }
}
