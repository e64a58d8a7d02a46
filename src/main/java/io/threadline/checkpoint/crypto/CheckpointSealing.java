package io.threadline.checkpoint.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.EffectLog;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.MemoryOutbox;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.ThreadKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * How {@link EncryptingCheckpointStore} seals a checkpoint's thread data — the state change, input, effects, outbox,
 * error text and interrupt payload — and a pending effect, and opens them again: each part with the thread's data key,
 * bound to the thread, the checkpoint (or the pending effect's step) and the part, and prefixed with the key's
 * fingerprint. Which key seals a write is the store's to choose (and when a key is shredded); the key that opens a
 * part is the one its fingerprint names, asked of {@link DataKeys}.
 */
final class CheckpointSealing {

    /** Marks a sealed state change: JSON never starts with it. */
    private static final byte[] SEALED_CHANGE = "TLS1".getBytes(StandardCharsets.US_ASCII);
    /** Marks a sealed payload, kept as a JSON string so the payload is still JSON. */
    private static final String SEALED_TEXT = "tl:sealed:1:";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataKeys keys;
    private final ThreadCipher cipher;

    CheckpointSealing(DataKeys keys, ThreadCipher cipher) {
        this.keys = keys;
        this.cipher = cipher;
    }

    /** {@code cp} with its thread data sealed with {@code key}; the routing the store needs stays in clear. */
    Checkpoint seal(Checkpoint cp, DataKeys.Key key) {
        ThreadKey t = cp.thread();
        String at = "checkpoint/" + cp.id().value() + "/";
        byte[] sealedChange = concat(SEALED_CHANGE, sealBytes(key, cp.change().json(), ThreadCipher.context(t, at + "change")));
        StateChange change = cp.isSnapshot() ? new StateChange.Snapshot(sealedChange) : new StateChange.Delta(sealedChange);
        return new Checkpoint(cp.id(), t, cp.step(), cp.parent(), cp.nodes(), cp.decisions(), cp.next(), cp.status(),
                cp.schemaVersion(), change, cp.createdAt(), cp.idempotencyKey(), cp.metadata(),
                cp.outbox() == null ? null : MemoryOutbox.fromJson(sealText(key, t, at + "outbox", cp.outbox().json())),
                cp.input() == null ? null : StepInput.fromJson(sealText(key, t, at + "input", cp.input().json())),
                cp.effects() == null ? null : EffectLog.fromJson(sealText(key, t, at + "effects", cp.effects().json())),
                cp.error() == null ? null : new StepError(cp.error().node(), cp.error().type(),
                        sealString(key, t, at + "error.message", cp.error().message()),
                        sealString(key, t, at + "error.stack", cp.error().stack())),
                cp.interrupt() == null ? null : sealInterrupt(key, t, at, cp.interrupt()));
    }

    /** {@code cp} opened; a checkpoint written before encryption was switched on is answered as it is. */
    Checkpoint open(Checkpoint cp) {
        if (!isSealed(cp.change().json())) {
            return cp;
        }
        ThreadKey t = cp.thread();
        String at = "checkpoint/" + cp.id().value() + "/";
        byte[] sealed = cp.change().json();
        byte[] json = openBytes(t, Arrays.copyOfRange(sealed, SEALED_CHANGE.length, sealed.length), ThreadCipher.context(t, at + "change"));
        StateChange change = cp.isSnapshot() ? new StateChange.Snapshot(json) : new StateChange.Delta(json);
        return new Checkpoint(cp.id(), t, cp.step(), cp.parent(), cp.nodes(), cp.decisions(), cp.next(), cp.status(),
                cp.schemaVersion(), change, cp.createdAt(), cp.idempotencyKey(), cp.metadata(),
                cp.outbox() == null ? null : MemoryOutbox.fromJson(openText(t, at + "outbox", cp.outbox().json())),
                cp.input() == null ? null : StepInput.fromJson(openText(t, at + "input", cp.input().json())),
                cp.effects() == null ? null : EffectLog.fromJson(openText(t, at + "effects", cp.effects().json())),
                cp.error() == null ? null : new StepError(cp.error().node(), cp.error().type(),
                        openString(t, at + "error.message", cp.error().message()),
                        openString(t, at + "error.stack", cp.error().stack())),
                cp.interrupt() == null ? null : openInterrupt(t, at, cp.interrupt()));
    }

    private static boolean isSealed(byte[] change) {
        return change.length > SEALED_CHANGE.length && Arrays.equals(change, 0, SEALED_CHANGE.length, SEALED_CHANGE, 0, SEALED_CHANGE.length);
    }

    /**
     * An interrupt keeps its node and when readable — the graph's names, not the user's data — so that a listing can
     * say where a thread waits; its payload (what a person is shown, which may quote the state) is sealed.
     */
    private InterruptPayload sealInterrupt(DataKeys.Key key, ThreadKey t, String at, InterruptPayload interrupt) {
        JsonNode payload = interrupt.payload();
        if (payload == null || payload.isNull()) {
            return interrupt;
        }
        return InterruptPayload.withheld(interrupt.node(), interrupt.when(), sealString(key, t, at + "interrupt", payload.toString()));
    }

    private InterruptPayload openInterrupt(ThreadKey t, String at, InterruptPayload interrupt) {
        if (!interrupt.withheld()) {
            return interrupt;
        }
        String text = openString(t, at + "interrupt", interrupt.sealed());
        try {
            return InterruptPayload.of(interrupt.node(), interrupt.when(), JSON.readTree(text));
        } catch (IOException e) {
            throw new IllegalStateException("a sealed interrupt payload of thread " + t.threadId() + " opened to no JSON", e);
        }
    }

    /**
     * A pending effect sealed with {@code key}, bound to the thread and step (the SPI answers pending effects without
     * their positions, which a discard may leave sparse, so the position cannot be part of the context).
     */
    PendingEffect sealPending(DataKeys.Key key, ThreadKey t, long step, PendingEffect effect) {
        return PendingEffect.fromJson(sealText(key, t, pendingPart(step), effect.json()));
    }

    /** A pending effect sealed by {@link #sealPending} opened; one written in clear is answered as it is. */
    PendingEffect openPending(ThreadKey t, long step, PendingEffect effect) {
        return PendingEffect.fromJson(openText(t, pendingPart(step), effect.json()));
    }

    private static String pendingPart(long step) {
        return "pending/" + step;
    }

    /** A payload's JSON sealed, as a JSON string (so the payload is still JSON). */
    private String sealText(DataKeys.Key key, ThreadKey t, String part, String json) {
        return "\"" + sealString(key, t, part, json) + "\"";
    }

    /** A payload sealed by {@link #sealText} opened; one written in clear is answered as it is. */
    private String openText(ThreadKey t, String part, String json) {
        if (!json.startsWith("\"" + SEALED_TEXT)) {
            return json;
        }
        return openString(t, part, json.substring(1, json.length() - 1));
    }

    private String sealString(DataKeys.Key key, ThreadKey t, String part, String text) {
        if (text == null) {
            return null;
        }
        return SEALED_TEXT + Base64.getEncoder().encodeToString(sealBytes(key, text.getBytes(StandardCharsets.UTF_8), ThreadCipher.context(t, part)));
    }

    private String openString(ThreadKey t, String part, String text) {
        if (text == null || !text.startsWith(SEALED_TEXT)) {
            return text;
        }
        byte[] sealed = Base64.getDecoder().decode(text.substring(SEALED_TEXT.length()));
        return new String(openBytes(t, sealed, ThreadCipher.context(t, part)), StandardCharsets.UTF_8);
    }

    /** The key's fingerprint, then the ciphertext: a reader finds the key it needs. */
    private byte[] sealBytes(DataKeys.Key key, byte[] plaintext, byte[] context) {
        return concat(key.fingerprint(), cipher.encrypt(key.plaintext(), plaintext, context));
    }

    private byte[] openBytes(ThreadKey t, byte[] sealed, byte[] context) {
        byte[] fingerprint = Arrays.copyOf(sealed, DataKeys.FINGERPRINT_BYTES);
        DataKeys.Key key = keys.forRead(t, fingerprint);
        return cipher.decrypt(key.plaintext(), Arrays.copyOfRange(sealed, DataKeys.FINGERPRINT_BYTES, sealed.length), context);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
