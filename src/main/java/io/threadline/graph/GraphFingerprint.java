package io.threadline.graph;

import io.threadline.Sha256;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A stable hash of a graph's structure — what a stored thread depends on when a new version of its agent
 * steps it: the nodes (in the order they run and merge in), the plain edges, the routes with their labels,
 * each node's policy (durability, retry attempts and backoff, the exception types retried, the field retries
 * are counted in), the interrupt points and the state's schema version. Not the code's bytes: a node whose
 * body changed but whose place in the graph did not keeps the fingerprint (a replay shows such changes).
 * Declared node migrations and thread pinning are not part of it either — they say how to get onto this graph,
 * not what it is.
 *
 * <p>The hash is SHA-256 over a canonical text ({@link #canonical()}), in which every set is sorted and every
 * token is length-prefixed, so the same graph gives the same fingerprint in every JVM, build and process.
 *
 * @param value     the first 16 hex digits of the hash (64 bits): what checkpoints record, and what a Lambda alias
 *                  can be named after ({@code g-<value>})
 * @param canonical the text hashed, one fact per line (for a person comparing two versions)
 */
public record GraphFingerprint(String value, String canonical) {

    /** Versions the canonical encoding itself: a change of the encoding must not look like the same graph. */
    static final String FORMAT = "threadline.graph/1";

    /** 16 lower-case hex digits. */
    public static final Pattern VALUE = Pattern.compile("[0-9a-f]{16}");

    public GraphFingerprint {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(canonical, "canonical");
    }

    static <S> GraphFingerprint of(int schemaVersion, List<String> nodeOrder, Map<String, List<String>> edges,
                                   Map<String, StateGraph.RouteSpec<S>> routes, Map<String, NodePolicy<S>> policies,
                                   Durability graphDurability, Set<String> interruptBefore,
                                   Set<String> interruptAfter) {
        StringBuilder text = new StringBuilder();
        line(text, "format", FORMAT);
        line(text, "schema", Integer.toString(schemaVersion));
        // Node order is meaningful (nodes of one step run and merge in it), so it is kept as declared.
        for (String node : nodeOrder) {
            NodePolicy<S> policy = policies.getOrDefault(node, NodePolicy.defaults());
            Durability durability = policy.durability() != null ? policy.durability() : graphDurability;
            RetryPolicy<S> retry = policy.retry();
            List<String> retryOn = new ArrayList<>();
            retry.retryOn().forEach(type -> retryOn.add(type.getName()));
            retryOn.sort(null);
            line(text, "node", node, "durability", durability.name(), "attempts", Integer.toString(retry.maxAttempts()),
                    "backoff", retry.initialBackoff().toString(), Double.toString(retry.multiplier()), retry.maxBackoff().toString(),
                    "retryOn", String.join(",", retryOn),
                    "countsIn", retry.attemptsField() == null ? "" : retry.attemptsField().name());
        }
        // Targets of one source are a set: the next nodes are ordered by node order, not by edge order.
        new TreeMap<>(edges).forEach((from, targets) -> {
            for (String to : new TreeSet<>(targets)) {
                line(text, "edge", from, to);
            }
        });
        new TreeMap<>(routes).forEach((from, spec) -> {
            if (spec.labels().isEmpty()) {
                for (String to : new TreeSet<>(spec.targets())) {
                    line(text, "route", from, to);
                }
            } else {
                TreeMap<String, String> byLabel = new TreeMap<>();
                spec.labels().forEach((label, to) -> byLabel.put(label instanceof Enum<?> e ? e.name() : String.valueOf(label), to));
                byLabel.forEach((label, to) -> line(text, "route", from, to, "label", label));
            }
        });
        for (String node : new TreeSet<>(interruptBefore)) {
            line(text, "interruptBefore", node);
        }
        for (String node : new TreeSet<>(interruptAfter)) {
            line(text, "interruptAfter", node);
        }
        String canonical = text.toString();
        return new GraphFingerprint(hash(canonical), canonical);
    }

    /** One fact: tokens length-prefixed ({@code 4:node}), so no name can be read as two tokens or as a delimiter. */
    private static void line(StringBuilder text, String... tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                text.append(' ');
            }
            text.append(tokens[i].length()).append(':').append(tokens[i]);
        }
        text.append('\n');
    }

    private static String hash(String canonical) {
        return HexFormat.of().formatHex(Sha256.of(canonical.getBytes(StandardCharsets.UTF_8)), 0, 8);
    }

    @Override
    public String toString() {
        return value;
    }
}
