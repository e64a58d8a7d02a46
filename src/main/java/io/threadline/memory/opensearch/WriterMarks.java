package io.threadline.memory.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.Sha256;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who else writes in a namespace: one empty mark document per tenant and namespace, in the memory index, whose
 * version every writer bumps twice — before it looks for near-duplicates, and after its new memories are written and
 * refreshed. A writer whose two bumps are consecutive versions met no other writer of that namespace in between, and
 * skips the search for near-duplicates a concurrent writer added ({@link VersionedWrites#reconcile}); otherwise it
 * reconciles, as every write did before.
 *
 * <p>Why that is enough: take two writers of one namespace whose windows (first bump to second bump) overlap. The one
 * whose second bump comes later has the other's second bump inside its window, so it reconciles, and it reconciles
 * after both writes were refreshed (the other's before its second bump). If the windows do not overlap, the later
 * writer's near-duplicate check ran after the earlier writer's memories were refreshed, and merges into them. A
 * document's version is assigned under its own lock on the primary, so the bumps of one mark are totally ordered.
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

    /** Bumps each mark once, in one {@code _bulk}; returns each mark's version after the bump. */
    Map<String, Long> bump(Collection<String> marks) throws IOException {
        List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(marks));
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
        for (JsonNode item : answer.path("items")) {
            JsonNode op = item.path("index");
            if (op.has("error")) {
                throw new RawRequests.StatusException(op.path("status").asInt(500), "OpenSearch did not mark a writer: " + op.path("error"));
            }
            out.put(op.path("_id").asText(), op.path("_version").asLong());
        }
        if (!out.keySet().containsAll(ids)) {
            throw new IOException("OpenSearch answered " + out.size() + " of " + ids.size() + " writer marks");
        }
        return out;
    }

    /** Bumps one mark; returns its version after the bump. */
    long bump(String mark) throws IOException {
        return bump(List.of(mark)).get(mark);
    }
}
