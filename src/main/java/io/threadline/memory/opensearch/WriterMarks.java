package io.threadline.memory.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.Sha256;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Who else writes in a namespace: one empty mark document per tenant and namespace, in the memory index, whose
 * version every writer bumps twice — {@link #open} before it looks for near-duplicates, and {@link #close} after its
 * new memories are written and refreshed, on every path (a {@code finally}: a merge, a retry, a failed write, an early
 * return). A writer skips the search for near-duplicates a concurrent writer added ({@link VersionedWrites#reconcile})
 * only when {@link #alone}: its open landed on an odd version and its close on the next one. Otherwise it reconciles
 * what it created, as every write did before.
 *
 * <p>The parity: the mark is created by its first bump at version 1 and bumped in pairs, so when no writer is between
 * its two bumps the version is even (0: no mark yet). An open that lands on an odd version (the version before it
 * even) met no open window; one that lands on an even version met a writer still open — or one that died between its
 * bumps (a crash, a timeout, a close that failed), which leaves the parity off for good: every later writer then
 * reconciles, the cost before the marks, until the mark is reset (README "Concurrent writes"). A document's version
 * is assigned under its own lock on the primary, so the bumps of one mark are totally ordered.
 *
 * <p>Why that is enough. Take a writer W that skips: no bump between its open and its close, so no other writer
 * opened or closed inside W's window, and none was open when W opened (parity). Any other writer V either closed
 * before W opened — its memories were refreshed before its close, so W's check saw them and merged — or opened after
 * W closed: W's memories were refreshed before W's close, so V's check sees them. (Two writers that died between
 * their bumps cancel in the parity; what they left is what a crash between a create and its reconcile always left.)
 *
 * <p>The mark holds no field (an empty source: no query with a tenant filter matches it, and it holds no
 * personal data); its id is {@code /writers/} and a digest of the tenant and namespace — a memory's id is
 * {@code tenant/id} with a non-empty tenant, so the two never meet.
 */
record WriterMarks(RawRequests raw, String index) {

    /** The mark of a tenant's namespace. */
    static String of(String tenant, String namespace) {
        return "/writers/" + Sha256.hex(tenant + "\n" + namespace).substring(0, 40);
    }

    private static final Logger LOG = Logger.getLogger(WriterMarks.class.getName());

    /**
     * The first bump of each mark, in one {@code _bulk}: each mark's version after it. If some marks could not be
     * bumped, the ones that were are closed again before the error is thrown (nothing is left open by a failed open).
     */
    Map<String, Long> open(Collection<String> marks) throws IOException {
        Bumped bumped = bump(marks);
        if (bumped.failure() != null) {
            close(bumped.versions().keySet());
            throw bumped.failure();
        }
        return bumped.versions();
    }

    /** The first bump of one mark: its version after it. */
    long open(String mark) throws IOException {
        return open(List.of(mark)).get(mark);
    }

    /**
     * The second bump of each mark, on every path of the writer: the versions of the marks it bumped. It never
     * throws — a mark it could not bump is missing from the answer (its writer reconciles, {@link #alone} being
     * false) and stays off parity, which makes every later writer reconcile: safe.
     */
    Map<String, Long> close(Collection<String> marks) {
        if (marks.isEmpty()) {
            return Map.of();
        }
        try {
            Bumped bumped = bump(marks);
            if (bumped.failure() != null) {
                LOG.log(Level.WARNING, "writer marks left open; later writers of these namespaces reconcile", bumped.failure());
            }
            return bumped.versions();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "writer marks left open; later writers of these namespaces reconcile", e);
            return Map.of();
        }
    }

    /** The second bump of one mark: its version, or null if it could not be bumped. */
    Long close(String mark) {
        return close(List.of(mark)).get(mark);
    }

    /** True if the writer whose bumps of a mark gave these versions met no other writer, open or dead (see above). */
    static boolean alone(Long opened, Long closed) {
        return opened != null && closed != null && opened % 2 == 1 && closed == opened + 1;
    }

    private record Bumped(Map<String, Long> versions, IOException failure) {}

    /** Bumps each mark once, in one {@code _bulk}: the versions of the marks bumped, and the error of those that were not. */
    private Bumped bump(Collection<String> marks) throws IOException {
        List<String> ids = List.copyOf(new LinkedHashSet<>(marks));
        List<RawRequests.Writer> lines = new ArrayList<>(ids.size() * 2);
        for (String id : ids) {
            lines.add(g -> {
                g.writeStartObject();
                g.writeObjectFieldStart("index");
                g.writeStringField("_id", id);
                g.writeEndObject();
                g.writeEndObject();
            });
            lines.add(g -> {
                g.writeStartObject();
                g.writeEndObject();
            });
        }
        JsonNode answer = raw.post("/" + index + "/_bulk", Map.of(), raw.ndjson(lines), RawRequests.NDJSON,
                p -> raw.mapper().readTree(p));
        Map<String, Long> out = new LinkedHashMap<>();
        IOException failure = null;
        for (JsonNode item : answer.path("items")) {
            JsonNode op = item.path("index");
            if (op.has("error")) {
                failure = new RawRequests.StatusException(op.path("status").asInt(500), "OpenSearch did not mark a writer: " + op.path("error"));
            } else {
                out.put(op.path("_id").asText(), op.path("_version").asLong());
            }
        }
        if (failure == null && !out.keySet().containsAll(ids)) {
            failure = new IOException("OpenSearch answered " + out.size() + " of " + ids.size() + " writer marks");
        }
        return new Bumped(out, failure);
    }
}
