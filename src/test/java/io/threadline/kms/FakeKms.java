package io.threadline.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for AWS KMS that speaks its wire protocol (JSON 1.1: {@code POST /}, {@code X-Amz-Target:
 * TrentService.<Action>}, errors as {@code {"__type", "message"}} with status 400 or 5xx) for the two actions
 * envelope encryption uses, {@code GenerateDataKey} and {@code Decrypt}, so the real SDK client is tested
 * against real requests. As KMS does: a ciphertext blob names its key and is sealed (AES-GCM under the key's
 * material) with the encryption context as associated data, so Decrypt with another context is
 * {@code InvalidCiphertextException}, with another key id {@code IncorrectKeyException}, an unknown key
 * {@code NotFoundException}. Signatures are not checked.
 */
public final class FakeKms implements AutoCloseable {

    public static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    /** Answers the next requests with 500 KMSInternalException while positive. */
    final AtomicInteger failNext = new AtomicInteger();

    public FakeKms() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Creates a key and returns its id. */
    public String createKey() {
        String id = UUID.randomUUID().toString();
        byte[] material = new byte[32];
        random.nextBytes(material);
        keys.put(id, material);
        return id;
    }

    public static String arn(String id) {
        return "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/" + id;
    }

    public int calls(String action) {
        return calls.getOrDefault(action, new AtomicInteger()).get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String action = target == null ? "" : target.substring(target.indexOf('.') + 1);
            calls.computeIfAbsent(action, a -> new AtomicInteger()).incrementAndGet();
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(exchange, 500, "KMSInternalException", "injected failure");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod()) || target == null || !target.startsWith("TrentService.")) {
                error(exchange, 400, "UnknownOperationException", "not a KMS request");
                return;
            }
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            switch (action) {
                case "GenerateDataKey" -> generateDataKey(exchange, request);
                case "Decrypt" -> decrypt(exchange, request);
                default -> error(exchange, 400, "UnknownOperationException", "this stand-in knows GenerateDataKey and Decrypt");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private String keyIdOf(String given) {
        if (given == null) {
            return null;
        }
        return given.startsWith("arn:aws:kms:") ? given.substring(given.indexOf(":key/") + 5) : given;
    }

    private static byte[] context(JsonNode request) {
        Map<String, String> sorted = new TreeMap<>();
        request.path("EncryptionContext").fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        return sorted.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void generateDataKey(HttpExchange exchange, JsonNode request) throws IOException, GeneralSecurityException {
        String id = keyIdOf(request.path("KeyId").asText(null));
        if (id == null || !keys.containsKey(id)) {
            error(exchange, 400, "NotFoundException", "Key '" + request.path("KeyId").asText() + "' does not exist");
            return;
        }
        int bytes = "AES_128".equals(request.path("KeySpec").asText()) ? 16 : request.path("NumberOfBytes").asInt(32);
        byte[] plaintext = new byte[bytes];
        random.nextBytes(plaintext);
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.get(id), "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(context(request));
        byte[] sealed = cipher.doFinal(plaintext);
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] blob = ByteBuffer.allocate(1 + idBytes.length + nonce.length + sealed.length)
                .put((byte) idBytes.length).put(idBytes).put(nonce).put(sealed).array();
        ObjectNode answer = JSON.createObjectNode();
        answer.put("CiphertextBlob", Base64.getEncoder().encodeToString(blob));
        answer.put("KeyId", arn(id));
        answer.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
        ok(exchange, answer);
    }

    private void decrypt(HttpExchange exchange, JsonNode request) throws IOException, GeneralSecurityException {
        byte[] blob = Base64.getDecoder().decode(request.path("CiphertextBlob").asText(""));
        if (blob.length < 2 || blob.length < 1 + (blob[0] & 0xff) + 12 + 16) {
            error(exchange, 400, "InvalidCiphertextException", null);
            return;
        }
        String id = new String(blob, 1, blob[0] & 0xff, StandardCharsets.UTF_8);
        String asked = keyIdOf(request.path("KeyId").asText(null));
        if (!keys.containsKey(id)) {
            error(exchange, 400, "InvalidCiphertextException", null);
            return;
        }
        if (asked != null && !asked.equals(id)) {
            error(exchange, 400, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");
            return;
        }
        int offset = 1 + id.length();
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(keys.get(id), "AES"), new GCMParameterSpec(128, blob, offset, 12));
        cipher.updateAAD(context(request));
        byte[] plaintext;
        try {
            plaintext = cipher.doFinal(blob, offset + 12, blob.length - offset - 12);
        } catch (AEADBadTagException e) {
            error(exchange, 400, "InvalidCiphertextException", null);
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("KeyId", arn(id));
        answer.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
        answer.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        ok(exchange, answer);
    }

    private static void ok(HttpExchange exchange, JsonNode body) throws IOException {
        send(exchange, 200, JSON.writeValueAsBytes(body));
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("__type", type);
        if (message != null) {
            body.put("message", message);
        }
        send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
