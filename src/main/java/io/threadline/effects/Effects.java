package io.threadline.effects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.EffectLog;

import java.util.ArrayList;
import java.util.List;

/**
 * The one encoding of effects: a step's log as its checkpoint keeps it ({@link EffectLog}), and one effect as a
 * pending write keeps it. Built as a tree by hand (no reflection), so it works the same in a native image.
 */
public final class Effects {

    static final ObjectMapper JSON = new ObjectMapper();

    private Effects() {
    }

    public static ObjectMapper mapper() {
        return JSON;
    }

    /** A step's effects as its checkpoint keeps them; {@code null} when it consumed none. */
    public static EffectLog encode(List<Effect> effects) {
        if (effects.isEmpty()) {
            return null;
        }
        ArrayNode array = JSON.createArrayNode();
        for (Effect e : effects) {
            array.add(toTree(e));
        }
        return EffectLog.fromJson(array.toString());
    }

    /** The effects a checkpoint recorded, in order; none for {@code null}. */
    public static List<Effect> decode(EffectLog log) {
        if (log == null) {
            return List.of();
        }
        try {
            JsonNode array = JSON.readTree(log.json());
            List<Effect> out = new ArrayList<>(array.size());
            for (JsonNode node : array) {
                out.add(fromTree(node));
            }
            return List.copyOf(out);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "stored effects cannot be read: " + e.getMessage());
        }
    }

    public static String toJson(Effect effect) {
        return toTree(effect).toString();
    }

    /** One effect kept before its step commits (durability SYNC), in its stored encoding. */
    public static PendingEffect pending(Effect effect) {
        return PendingEffect.fromJson(toJson(effect));
    }

    /** A pending effect as the effect it stands for. */
    public static Effect decode(PendingEffect pending) {
        return effectFromJson(pending.json());
    }

    public static Effect effectFromJson(String json) {
        try {
            return fromTree(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "a stored effect cannot be read: " + e.getMessage());
        }
    }

    public static ObjectNode toTree(Effect e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("seq", e.seq());
        o.put("node", e.node());
        o.put("attempt", e.attempt());
        o.put("kind", e.kind().name());
        o.put("name", e.name());
        if (e.request() != null) {
            o.set("request", e.request());
        }
        if (e.response() != null) {
            o.set("response", e.response());
        }
        if (e.error() != null) {
            ObjectNode err = o.putObject("error");
            err.put("type", e.error().type());
            if (e.error().message() != null) {
                err.put("message", e.error().message());
            }
            if (e.error().code() != null) {
                err.put("code", e.error().code());
            }
            if (!e.error().supertypes().isEmpty()) {
                ArrayNode supertypes = err.putArray("supertypes");
                e.error().supertypes().forEach(supertypes::add);
            }
        }
        if (e.reused()) {
            o.put("reused", true);
        }
        return o;
    }

    private static Effect fromTree(JsonNode o) {
        JsonNode err = o.get("error");
        EffectError error = err == null ? null
                : new EffectError(err.get("type").asText(), text(err, "message"), text(err, "code"), supertypes(err));
        return new Effect(o.get("seq").asInt(), o.get("node").asText(), o.get("attempt").asInt(),
                EffectKind.valueOf(o.get("kind").asText()), o.get("name").asText(), o.get("request"), o.get("response"),
                error, o.path("reused").asBoolean(false));
    }

    /** Absent in effects recorded before supertypes were kept: those still read (and match their own type). */
    private static List<String> supertypes(JsonNode err) {
        List<String> names = new ArrayList<>();
        err.path("supertypes").forEach(n -> names.add(n.asText()));
        return names;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
