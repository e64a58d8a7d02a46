package io.threadline.memory.opensearch;

import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SigV4 path to OpenSearch ({@code threadline.memory.opensearch.signing=aws-sigv4}): the memory store on
 * opensearch-java's AwsSdk2Transport, with static session credentials as the SDK reads them in Lambda (here from its
 * system properties), against the real local node through a {@link RecordingProxy}. Every request arrives signed
 * for the region and service (es: a domain; aoss: Serverless), and a put and a search work end to end: the node's
 * answers come back through the signing transport.
 */
class SignedOpenSearchTest {

    static final String ACCESS_KEY = "AKIDSIGNEDTEST";
    static final String SECRET_KEY = "signed-test-secret";
    static final String SESSION_TOKEN = "signed-test-session-token";
    static final String REGION = "eu-west-1";
    static final Pattern AUTHORIZATION = Pattern.compile("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY
            + "/(\\d{8})/" + REGION + "/(es|aoss)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");

    private static RecordingProxy proxy;
    private static final String[] SAVED = new String[3];
    private static final String[] KEYS = {"aws.accessKeyId", "aws.secretAccessKey", "aws.sessionToken"};

    @BeforeAll
    static void start() {
        proxy = RecordingProxy.to(OpenSearchNode.get().endpoint());
        String[] values = {ACCESS_KEY, SECRET_KEY, SESSION_TOKEN};
        for (int i = 0; i < KEYS.length; i++) {
            SAVED[i] = System.getProperty(KEYS[i]);
            System.setProperty(KEYS[i], values[i]);
        }
    }

    @AfterAll
    static void stop() {
        proxy.close();
        for (int i = 0; i < KEYS.length; i++) {
            if (SAVED[i] == null) {
                System.clearProperty(KEYS[i]);
            } else {
                System.setProperty(KEYS[i], SAVED[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"es", "aoss"})
    void everyRequestIsSignedAndTheNodeAnswers(String service) throws Exception {
        proxy.clear();
        OpenSearchClient client = OpenSearchClients.createSigned(proxy.endpoint(), Duration.ofSeconds(10), Duration.ofSeconds(2),
                Clock.systemUTC(), new AwsSigning(service, REGION));
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                new OpenSearchMemorySettings("signed-" + service + "-" + UUID.randomUUID(), "lucene", WordEmbeddingModel.DIMENSION, 4));
        try {
            store.ensureIndex();
            Instant now = Instant.now();
            store.put(MemoryWrite.of("acme", "users/7", "prefers green tea in the morning"), now);
            store.put(MemoryWrite.of("acme", "users/7", "the quarterly report is due friday"), now);

            List<MemoryHit> hits = store.search(MemoryQuery.text("acme", "green tea", 1), now);

            assertThat(hits).singleElement().satisfies(h -> assertThat(h.memory().content()).isEqualTo("prefers green tea in the morning"));
            assertThat(store.awaitTouches(Duration.ofSeconds(10))).isTrue();
        } finally {
            client._transport().close();
        }

        List<RecordingProxy.Recorded> requests = proxy.requests();
        // index check and creation, the writes with their reads and k-NN checks, the search
        assertThat(requests).hasSizeGreaterThanOrEqualTo(6);
        assertThat(requests).extracting(RecordingProxy.Recorded::method).contains("PUT", "GET", "POST");
        for (RecordingProxy.Recorded r : requests) {
            String authorization = r.headers().get("authorization");
            assertThat(authorization).as("%s %s", r.method(), r.pathAndQuery()).isNotNull();
            Matcher m = AUTHORIZATION.matcher(authorization);
            assertThat(m.matches()).as("Authorization of %s %s: %s", r.method(), r.pathAndQuery(), authorization).isTrue();
            assertThat(m.group(2)).isEqualTo(service);
            List<String> signed = List.of(m.group(3).split(";"));
            assertThat(signed).contains("host", "x-amz-date", "x-amz-security-token");
            String date = r.headers().get("x-amz-date");
            assertThat(date).matches("\\d{8}T\\d{6}Z").startsWith(m.group(1));
            assertThat(r.headers().get("x-amz-security-token")).isEqualTo(SESSION_TOKEN);
            if ("aoss".equals(service)) {
                // Serverless refuses a request without the payload's hash; it must be the hash of what arrived.
                assertThat(signed).contains("x-amz-content-sha256");
                assertThat(r.headers().get("x-amz-content-sha256")).isEqualTo(sha256(r.body()));
            }
        }
    }

    /**
     * A compaction through the signing transport: it sends only what the memory-compact role's policy allows
     * ({@link CompactionRequests}: TemplateIamTest checks the template against the same list), and each request — the
     * task's {@code /_tasks/<node>:<n>} too, whose ':' a signer could canonicalize otherwise than it is sent — carries
     * the signature that the SDK's own SigV4 signer computes from the request as it arrived, which is what the
     * service checks.
     */
    @Test
    void aCompactionAsksOnlyWhatItsPolicyAllowsAndItsTaskPathIsSignedAsItIsSent() throws Exception {
        proxy.clear();
        OpenSearchClient client = OpenSearchClients.createSigned(proxy.endpoint(), Duration.ofSeconds(30), Duration.ofSeconds(2),
                Clock.systemUTC(), new AwsSigning("es", REGION));
        String index = "signed-compact-" + UUID.randomUUID();
        String task;
        try {
            OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                    new OpenSearchMemorySettings(index, "lucene", WordEmbeddingModel.DIMENSION, 4));
            store.ensureIndex();
            for (String w : new String[] {"alpha", "bravo", "charlie"}) {
                store.put(MemoryWrite.of("acme", "notes", w + " was said"), Instant.now());
            }
            proxy.clear();
            MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, index);
            MemoryIndexMaintenance.Compaction compaction = maintenance.compact(1);
            task = compaction.task();
            assertThat(task).as("three refreshed writes leave more than one segment").isNotNull();
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!maintenance.compacted(compaction)) {
                assertThat(System.nanoTime()).as("merged within a minute").isLessThan(until);
                Thread.sleep(150);
            }
            assertThat(maintenance.segments()).isEqualTo(1);
        } finally {
            client._transport().close();
        }

        List<CompactionRequests.Request> allowed = CompactionRequests.of(index);
        List<RecordingProxy.Recorded> requests = proxy.requests();
        Set<CompactionRequests.Request> used = new HashSet<>();
        for (RecordingProxy.Recorded r : requests) {
            String path = r.pathAndQuery().split("\\?", 2)[0];
            CompactionRequests.Request match = allowed.stream().filter(a -> a.matches(r.method(), path)).findFirst().orElse(null);
            assertThat(match).as("%s %s is among what the policy allows: %s", r.method(), r.pathAndQuery(), allowed).isNotNull();
            used.add(match);
            assertThat(r.headers().get("authorization")).as("%s %s", r.method(), r.pathAndQuery())
                    .isEqualTo(sdkSignature(r, "es"));
        }
        assertThat(used).as("every allowed request is one the compaction makes").containsExactlyInAnyOrderElementsOf(allowed);
        assertThat(requests).filteredOn(r -> r.pathAndQuery().startsWith("/_tasks/")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.pathAndQuery()).as("sent as the node named it; signed as sent (above)").isEqualTo("/_tasks/" + task));
    }

    /**
     * The Authorization header the SDK's SigV4 signer gives the request as the proxy received it — its method, path
     * and query as sent, the headers it says it signed, its body, at its x-amz-date — as the service recomputes it.
     */
    private static String sdkSignature(RecordingProxy.Recorded r, String service) {
        Matcher m = AUTHORIZATION.matcher(r.headers().get("authorization"));
        assertThat(m.matches()).isTrue();
        Set<String> added = Set.of("x-amz-date", "x-amz-security-token", "x-amz-content-sha256");
        String[] pathAndQuery = r.pathAndQuery().split("\\?", 2);
        var request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.fromValue(r.method()))
                .uri(URI.create("http://" + r.headers().get("host")))
                .encodedPath(pathAndQuery[0]);
        if (pathAndQuery.length > 1) {
            for (String pair : pathAndQuery[1].split("&")) {
                String[] kv = pair.split("=", 2);
                request.appendRawQueryParameter(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : null);
            }
        }
        for (String name : m.group(3).split(";")) {
            if (!added.contains(name)) {
                request.putHeader(name, r.headers().get(name));
            }
        }
        Instant at = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX").parse(r.headers().get("x-amz-date"), Instant::from);
        var signed = AwsV4HttpSigner.create().sign(s -> s
                .identity(AwsSessionCredentialsIdentity.create(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArray(r.body()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElseThrow();
    }

    private static String sha256(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
