package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.DocGraphs;
import io.threadline.runtime.ThreadRuntime;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The thread inspector in a real browser: Debian's headless Chromium, driven through its chromedriver
 * by Selenium, on threads the reference agent produced over the local HTTP API (in-process memory, so
 * steps recall and remember; tools need approval, so a thread waits for a resume). It clicks through the
 * timeline and compares each diff the page shows with the one {@code history} stores, replays a step,
 * forks, resumes, and opens threads it must refuse. Screenshots go to {@code target/inspector/}.
 * Skipped only when chromium or chromedriver is not on the PATH (.ci/run installs both): then each test
 * is skipped on its own and says why, so Surefire counts them as skipped rather than running none.
 */
@QuarkusTest
@TestProfile(InspectorBrowserTest.WithMemoryAndApproval.class)
class InspectorBrowserTest {

    /** The HTTP API with an in-process memory store, and the reference agent asking before tool calls. */
    public static class WithMemoryAndApproval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http", "threadline.memory.store", "memory",
                    "threadline.reference-agent.approve-tools", "true");
        }
    }

    /** Why every test here is skipped when the browser is missing. */
    static final String NO_CHROMIUM = "Chromium/chromedriver not installed (no chromium or chromedriver on the PATH): "
            + "install chromium chromium-driver (as .ci/run does)";
    private static final Path SHOTS = Path.of("target/inspector");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static WebDriver browser;
    private static Path profile;

    @Inject
    ThreadStepOperations steps;

    /**
     * Starts the browser when chromium and chromedriver are installed; otherwise leaves it unstarted for
     * {@link #requireBrowser} to skip each test. (An assumption failing here would abort the class
     * before any test: Surefire then reports "Tests run: 0" and no skip, and the test silently vanishes.)
     */
    @BeforeAll
    static void startBrowser() throws IOException {
        // Looked up as .ci/run does (command -v), so both agree on whether the browser is there.
        Optional<Path> chromium = onPath("chromium");
        Optional<Path> chromedriver = onPath("chromedriver");
        if (chromium.isEmpty() || chromedriver.isEmpty()) {
            return;
        }
        // Debian's driver and browser, never a download by Selenium Manager (the machines have no internet).
        System.setProperty("webdriver.chrome.driver", chromedriver.get().toString());
        profile = Files.createTempDirectory("inspector-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.get().toFile());
        // A fresh profile and no background services: otherwise Chromium reaches for the (closed) network.
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1500,1100", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.get().toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    /** Each test, skipped and saying why when the browser is missing; a browser that is there but fails to start fails the class. */
    @BeforeEach
    void requireBrowser() {
        assumeTrue(browser != null, NO_CHROMIUM);
    }

    /** The first executable {@code command} in a directory of the PATH. */
    private static Optional<Path> onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        return Optional.empty();
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static int port() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
    }

    private static JsonNode post(String operation, String body) {
        String answer = RestAssured.given().port(port()).contentType(ContentType.JSON).body(body)
                .post("/" + operation).then().statusCode(200).extract().asString();
        try {
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String turn(String threadId, String text) {
        return "{\"threadId\":\"" + threadId + "\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}";
    }

    /** A finished conversation with a tool call: asked, approved, run to the end. */
    private static void finishedThread(String threadId) {
        assertThat(post("run", turn(threadId, "what is 6 * 7")).get("stopReason").asText()).isEqualTo("INTERRUPTED");
        post("resume", "{\"threadId\":\"" + threadId + "\",\"value\":{\"approved\":true}}");
        assertThat(post("run", "{\"threadId\":\"" + threadId + "\"}").get("stopReason").asText()).isEqualTo("DONE");
    }

    private static void open(String query) {
        browser.get("http://127.0.0.1:" + port() + "/inspector/" + query);
    }

    /** Waits up to 15 s; a timeout reports what the browser shows, so a failure says more than "not found". */
    private static WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(15)) {
            @Override
            protected RuntimeException timeoutException(String message, Throwable cause) {
                String page = browser.getCurrentUrl() + "\n" + browser.findElement(By.tagName("body")).getText();
                return super.timeoutException(message + "\nthe browser shows: " + page.substring(0, Math.min(page.length(), 3000)), cause);
            }
        };
    }

    /** Waits until the detail panel shows checkpoint {@code id} completely (state and graph fetched). */
    private static void awaitLoaded(String id) {
        waiting().until(ExpectedConditions.attributeToBe(By.id("detail"), "data-loaded", id));
    }

    private static void screenshot(String name) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void clicksThroughTheTimelineAndEachDiffIsTheStoredOne() throws IOException {
        finishedThread("insp-1");
        List<JsonNode> stored = List.copyOf(JSON.convertValue(post("history", "{\"threadId\":\"insp-1\",\"limit\":100}")
                .get("checkpoints"), JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class)));
        open("?thread=insp-1");
        String latest = stored.get(0).at("/checkpoint/checkpointId").asText();
        awaitLoaded(latest);

        List<WebElement> timeline = browser.findElements(By.cssSelector("#timeline button.checkpoint"));
        assertThat(timeline).hasSize(stored.size());
        assertThat(browser.findElements(By.cssSelector("#graph g.node")).stream().map(n -> n.getAttribute("data-node")).toList())
                .contains("process", "execute", "respond", "__start__", "__end__");
        assertThat(browser.findElement(By.id("mermaid")).getAttribute("textContent")).startsWith("flowchart TD");

        boolean sawTool = false;
        boolean sawRecall = false;
        boolean sawWrite = false;
        for (JsonNode entry : stored) {
            String id = entry.at("/checkpoint/checkpointId").asText();
            browser.findElement(By.cssSelector("#timeline button[data-id='" + id + "']")).click();
            awaitLoaded(id);
            JsonNode shown = JSON.readTree(browser.findElement(By.id("diff-json")).getAttribute("textContent"));
            assertThat(shown).as("the diff of step %s", entry.at("/checkpoint/step")).isEqualTo(entry.get("diff"));
            assertThat(browser.findElements(By.cssSelector("#diff tr.diff-op"))).hasSize(entry.get("diff").size());
            assertThat(browser.findElement(By.cssSelector("#summary dd[data-key='checkpoint']")).getText()).isEqualTo(id);
            // The page's state at the checkpoint is the API's state at it.
            JsonNode state = post("state", "{\"threadId\":\"insp-1\",\"checkpointId\":\"" + id + "\"}").get("state");
            assertThat(JSON.readTree(browser.findElement(By.id("state")).getAttribute("textContent"))).isEqualTo(state);
            // Nodes scheduled next are highlighted in the graph.
            List<String> current = browser.findElements(By.cssSelector("#graph g.node.current")).stream()
                    .map(n -> n.getAttribute("data-node")).toList();
            assertThat(current).containsExactlyInAnyOrderElementsOf(JSON.convertValue(entry.at("/checkpoint/next"), List.class));

            int effects = entry.has("effects") ? entry.get("effects").size() : 0;
            List<WebElement> rows = browser.findElements(By.cssSelector("#effects tr.effect"));
            assertThat(rows).hasSize(effects);
            if (rows.stream().anyMatch(r -> r.getAttribute("class").contains("kind-TOOL"))) {
                sawTool = true;
                assertThat(browser.findElement(By.id("effects")).getText()).contains("calculator").contains("42");
                screenshot("step-with-tool-call.png");
            }
            sawRecall |= !browser.findElements(By.cssSelector("#recalled li.recall")).isEmpty();
            if (!browser.findElements(By.cssSelector("#written li.write")).isEmpty()) {
                sawWrite = true;
                assertThat(browser.findElement(By.id("written")).getText()).contains("42");
                // Its provenance: the node that remembered it, in which step, from which effect.
                JsonNode write = entry.get("outbox").get(0);
                assertThat(browser.findElement(By.cssSelector("#written li.write .provenance-written")).getText())
                        .contains("by node " + write.get("sourceNode").asText() + " in step " + write.get("sourceStep").asText())
                        .contains("from " + write.get("derivedFrom").asText());
            }
        }
        assertThat(sawTool).as("a step shows its calculator call").isTrue();
        assertThat(sawRecall).as("a step shows its memory search").isTrue();
        assertThat(sawWrite).as("a step shows the memory it wrote").isTrue();
        screenshot("thread.png");
    }

    @Test
    void replaysAStepAndShowsTheReport() throws IOException {
        finishedThread("insp-replay");
        JsonNode stored = post("history", "{\"threadId\":\"insp-replay\",\"limit\":100}").get("checkpoints");
        // The step that ran the approved tool call: replayed on its recorded calculator result.
        JsonNode toolStep = null;
        for (JsonNode entry : stored) {
            if (entry.path("effects").findValuesAsText("kind").contains("TOOL")) {
                toolStep = entry;
            }
        }
        assertThat(toolStep).as("a step with a tool call").isNotNull();
        String id = toolStep.at("/checkpoint/checkpointId").asText();
        open("?thread=insp-replay&checkpoint=" + id);
        awaitLoaded(id);
        browser.findElement(By.id("replay")).click();
        WebElement verdict = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("replay-verdict")));
        JsonNode report = post("replay", "{\"threadId\":\"insp-replay\",\"checkpointId\":\"" + id + "\"}").get("report");
        assertThat(verdict.getText()).isEqualTo(report.get("verdict").asText()).isEqualTo("SAME");
        assertThat(browser.findElement(By.id("replay-summary")).getText()).isEqualTo(report.get("summary").asText());
        screenshot("replay.png");

        browser.findElement(By.id("fork-id")).sendKeys("insp-replay-fork");
        browser.findElement(By.id("fork")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("fork-link"))).click();
        JsonNode fork = post("state", "{\"threadId\":\"insp-replay-fork\"}");
        awaitLoaded(fork.at("/checkpoint/checkpointId").asText());
        assertThat(fork.at("/checkpoint/metadata/forkOf").asText()).contains(id);
        assertThat(browser.findElements(By.cssSelector("#timeline button.checkpoint"))).hasSize(1);
    }

    @Test
    void resumesAThreadThatWaitsForApproval() throws IOException {
        post("run", turn("insp-wait", "what is 12 / 4"));
        JsonNode waiting = post("state", "{\"threadId\":\"insp-wait\"}").get("checkpoint");
        assertThat(waiting.get("status").asText()).isEqualTo("INTERRUPTED");
        open("?thread=insp-wait");
        awaitLoaded(waiting.get("checkpointId").asText());
        assertThat(browser.findElement(By.cssSelector("#summary dd[data-key='waits for']")).getText()).contains("calculator");
        screenshot("interrupted.png");
        // Only the latest, interrupted checkpoint offers a resume.
        browser.findElement(By.cssSelector("#timeline li:first-child button")).click();
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("resume-box")));
        browser.findElement(By.cssSelector("#timeline li:last-child button")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("resume"))).click();

        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("action-result"), "resumed"));
        JsonNode resumed = post("state", "{\"threadId\":\"insp-wait\"}");
        assertThat(resumed.at("/checkpoint/status").asText()).isNotEqualTo("INTERRUPTED");
        assertThat(resumed.at("/state/toolOutputs/calculator").asText()).isEqualTo("3");
        awaitLoaded(resumed.at("/checkpoint/checkpointId").asText());
        assertThat(browser.findElements(By.cssSelector("#timeline button.checkpoint"))).hasSize(waiting.get("step").asInt() + 1);
    }

    @Test
    void aLongThreadShowsItsNewestPageAndLoadsOlderOnes() {
        String threadId = "long-" + System.nanoTime();
        finishedThread(threadId);
        // 100 operator updates on top of the conversation: more than one history page.
        for (int i = 1; i <= 100; i++) {
            post("update", "{\"threadId\":\"" + threadId + "\",\"input\":{\"retryCount\":0},\"reason\":\"note " + i + "\"}");
        }
        int total = post("history", "{\"threadId\":\"" + threadId + "\",\"limit\":100}").get("checkpoints").size()
                + post("history", "{\"threadId\":\"" + threadId + "\",\"limit\":100,\"cursor\":\""
                + post("history", "{\"threadId\":\"" + threadId + "\",\"limit\":100}").get("nextCursor").asText() + "\"}")
                .get("checkpoints").size();
        assertThat(total).isGreaterThan(100);

        open("?thread=" + threadId);
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#timeline button"), 100));
        assertThat(browser.findElement(By.cssSelector("#timeline button")).getAttribute("data-step")).isNotEqualTo("1");
        WebElement older = waiting().until(ExpectedConditions.elementToBeClickable(By.id("load-older")));
        older.click();
        waiting().until(ExpectedConditions.attributeToBe(By.id("timeline"), "data-count", Integer.toString(total)));
        List<WebElement> buttons = browser.findElements(By.cssSelector("#timeline button"));
        assertThat(buttons).hasSize(total);
        assertThat(buttons.get(0).getAttribute("data-step")).isEqualTo("1");
        assertThat(browser.findElement(By.id("more")).isDisplayed()).isFalse();
        buttons.get(0).click();
        awaitLoaded(buttons.get(0).getAttribute("data-id"));
        assertThat(browser.findElement(By.id("detail-step")).getText()).isEqualTo("1");
    }

    /**
     * Another agent's thread (the README guide's support agent, served by this build too): opened without
     * naming the agent, the page meets AGENT_MISMATCH under the default agent and follows the thread to its
     * own agent — its graph, its history — and the agent choice says so.
     */
    @Test
    void aThreadOfAnotherAgentIsShownThroughItsAgent() throws IOException {
        post("run", "{\"agent\":\"support\",\"threadId\":\"inspected-ticket\",\"input\":{\"messages\":[\"my invoice is wrong\"]}}");

        open("?thread=inspected-ticket");
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#timeline button"), 3));
        List<WebElement> buttons = browser.findElements(By.cssSelector("#timeline button"));
        awaitLoaded(buttons.get(2).getAttribute("data-id"));

        assertThat(new Select(browser.findElement(By.id("agent-input")))
                .getFirstSelectedOption().getText()).isEqualTo("support");
        assertThat(browser.findElement(By.id("mermaid")).getAttribute("textContent")).contains("triage").contains("billing")
                .doesNotContain("execute");
        assertThat(browser.getCurrentUrl()).contains("agent=support");
        List<String> agents = browser.findElements(By.cssSelector("#agent-input option")).stream().map(WebElement::getText).toList();
        assertThat(agents).contains("reference", "support");
        screenshot("other-agent.png");
    }

    @Test
    void unknownBadAndOtherTenantsThreadsShowAnErrorPage() throws IOException {
        // A thread of another tenant, made directly: it exists, but not for the inspector's tenant.
        steps.run(new Caller("someone-else", false, Instant.now().plusSeconds(30)),
                new Requests.Run(null, null, "their-thread", JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"), 1, null, null, null));
        for (String[] c : new String[][] {{"never-created", "THREAD_NOT_FOUND"}, {"their-thread", "THREAD_NOT_FOUND"},
                {"no spaces/allowed", "INVALID_INPUT"}}) {
            open("?thread=" + URLEncoder.encode(c[0], StandardCharsets.UTF_8));
            WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
            assertThat(browser.findElement(By.id("error-code")).getText()).as(c[0]).isEqualTo(c[1]);
            assertThat(browser.findElement(By.id("thread")).isDisplayed()).isFalse();
            assertThat(error.getText()).contains(c[0]).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(browser.getPageSource()).doesNotContain("Exception");
            if (c[0].equals("their-thread")) {
                screenshot("error.png");
            }
        }
    }

    /** The thread ids the list shows, in order. */
    private static List<String> rows() {
        return browser.findElements(By.cssSelector("#threads tbody tr")).stream().map(r -> r.getAttribute("data-thread")).toList();
    }

    @Test
    void opensOnTheTenantsThreadsFiltersThemAndLinksEach() throws IOException {
        // Two threads of the inspector's tenant, tagged on creation (one waits for approval), and one of another tenant.
        post("run", "{\"threadId\":\"list-wait\",\"tags\":{\"user\":\"list-42\"},\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}");
        post("run", "{\"threadId\":\"list-done\",\"tags\":{\"user\":\"list-7\"},\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}}");
        steps.run(new Caller("someone-else", false, Instant.now().plusSeconds(30)),
                new Requests.Run(null, null, "list-theirs", JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"), 1, null, null,
                        Map.of("user", "list-42")));
        open("");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#threads tr[data-thread='list-wait']")));
        List<String> listed = browser.findElements(By.cssSelector("#threads tbody tr")).stream().map(r -> r.getAttribute("data-thread")).toList();
        assertThat(listed).contains("list-wait", "list-done").doesNotContain("list-theirs");
        // Newest activity first, as the API lists them.
        List<String> api = new ArrayList<>();
        post("threads", "{\"limit\":100}").get("threads").forEach(t -> api.add(t.get("threadId").asText()));
        assertThat(listed).isEqualTo(api.subList(0, listed.size()));
        WebElement waitingRow = browser.findElement(By.cssSelector("#threads tr[data-thread='list-wait']"));
        assertThat(waitingRow.getText()).contains("INTERRUPTED").contains("user=list-42").contains("calculator");
        screenshot("threads.png");

        // Filter by status, then by tag: exactly the matching threads of the tenant.
        new Select(browser.findElement(By.id("filter-status"))).selectByValue("INTERRUPTED");
        browser.findElement(By.id("filter-apply")).click();
        waiting().until(d -> rows().contains("list-wait") && !rows().contains("list-done"));
        List<String> interrupted = new ArrayList<>();
        post("threads", "{\"limit\":100,\"status\":\"INTERRUPTED\"}").get("threads").forEach(t -> interrupted.add(t.get("threadId").asText()));
        assertThat(rows()).isEqualTo(interrupted);
        new Select(browser.findElement(By.id("filter-status"))).selectByValue("");
        browser.findElement(By.id("filter-tag")).sendKeys("user=list-7");
        browser.findElement(By.id("filter-apply")).click();
        waiting().until(d -> rows().equals(List.of("list-done")));

        // A malformed filter shows the API's refusal, not a stack trace.
        browser.findElement(By.id("filter-tag")).clear();
        browser.findElement(By.id("filter-tag")).sendKeys("Not A Tag");
        browser.findElement(By.id("filter-apply")).click();
        WebElement refused = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("threads-error")));
        assertThat(refused.getText()).startsWith("INVALID_INPUT");

        // Each thread links to its timeline.
        browser.findElement(By.id("filter-tag")).clear();
        browser.findElement(By.id("filter-apply")).click();
        waiting().until(ExpectedConditions.elementToBeClickable(By.cssSelector("#threads tr[data-thread='list-wait'] a.thread-link"))).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#timeline button")));
        assertThat(browser.getCurrentUrl()).contains("thread=list-wait");
        assertThat(browser.findElement(By.id("threads-panel")).isDisplayed()).isFalse();
    }

    @Inject
    CheckpointStore store;

    /** The dry-run button: what the graphs served would do with the tenant's threads, as the API counts it; reads only. */
    @Test
    void theMigrationDryRunButtonShowsCountsWhatIsMissingAndExamples() throws IOException {
        finishedThread("dry-done");
        // A thread of the reference agent that another graph (DocGraphs v1) left at "review", which the reference graph lacks.
        ThreadKey old = ThreadKey.of("local-tenant", "dry-old");
        ThreadRuntime.builder(DocGraphs.v1()).store(store).agent("reference").build().step(old);
        long oldStep = store.head(old).orElseThrow().step();
        open("");
        waiting().until(ExpectedConditions.elementToBeClickable(By.id("dry-run"))).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dry-run-examples tr[data-thread='dry-old']")));
        JsonNode report = post("migration-dry-run", "{\"examples\":5}");
        assertThat(report.has("nextCursor")).isFalse();
        for (String outcome : List.of("continue", "migrate", "refuse", "pinned")) {
            String shown = browser.findElement(By.cssSelector("#dry-run-counts tr[data-outcome='" + outcome + "'] td:nth-child(2)")).getText();
            assertThat(shown).as(outcome).startsWith(report.at("/counts/" + outcome).asText());
        }
        assertThat(report.at("/counts/refuse").asLong()).isPositive();
        assertThat(browser.findElement(By.cssSelector("#dry-run-counts tr[data-outcome='read'] td:nth-child(2)")).getText())
                .isEqualTo(report.get("threads").asText());
        assertThat(browser.findElement(By.id("dry-run-missing")).getText()).contains("node 'review'");
        WebElement example = browser.findElement(By.cssSelector("#dry-run-examples tr[data-thread='dry-old']"));
        assertThat(example.getText()).contains("refuse").contains("review").contains("lacks node 'review'");
        assertThat(browser.findElement(By.id("dry-run-graphs")).getText()).contains("reference " + report.at("/graphs/reference").asText());
        screenshot("migration-dry-run.png");
        // It wrote nothing.
        assertThat(store.head(old).orElseThrow().step()).isEqualTo(oldStep);
    }
}
