package io.threadline.state.internal;

import io.threadline.state.StateCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class JsonPatchTest {

    private final StateCodec codec = new StateCodec();

    /** Parses JSON written with single quotes for readability. */
    private JsonNode json(String singleQuoted) {
        return codec.readTree(singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode patched(String document, String patch) {
        JsonNode doc = json(document);
        JsonPatch.apply(doc, json(patch));
        return doc;
    }

    private ThreadlineException corrupt(String document, String patch) {
        ThreadlineException e = catchThrowableOfType(ThreadlineException.class,
                () -> JsonPatch.apply(json(document), json(patch)));
        assertThat(e).as("patch %s on %s must be refused", patch, document).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        return e;
    }

    // ---- add ----

    @Test
    void addCreatesAnObjectMember() {
        assertThat(patched("{'a':1}", "[{'op':'add','path':'/b','value':{'c':[1]}}]"))
                .isEqualTo(json("{'a':1,'b':{'c':[1]}}"));
    }

    @Test
    void addOnAnExistingMemberReplacesIt() {
        assertThat(patched("{'a':1}", "[{'op':'add','path':'/a','value':2}]")).isEqualTo(json("{'a':2}"));
    }

    @Test
    void addWithDashAppendsToAnArray() {
        assertThat(patched("{'l':[1,2]}", "[{'op':'add','path':'/l/-','value':3},{'op':'add','path':'/l/-','value':4}]"))
                .isEqualTo(json("{'l':[1,2,3,4]}"));
    }

    @Test
    void addAtAnIndexInsertsIntoAnArray() {
        assertThat(patched("{'l':[1,3]}", "[{'op':'add','path':'/l/1','value':2}]")).isEqualTo(json("{'l':[1,2,3]}"));
    }

    @Test
    void addAtTheArraySizeAppends() {
        assertThat(patched("{'l':[1]}", "[{'op':'add','path':'/l/1','value':2}]")).isEqualTo(json("{'l':[1,2]}"));
    }

    @Test
    void addIntoANestedPathThroughArraysAndObjects() {
        assertThat(patched("{'l':[{'m':{}}]}", "[{'op':'add','path':'/l/0/m/k','value':'v'}]"))
                .isEqualTo(json("{'l':[{'m':{'k':'v'}}]}"));
    }

    @Test
    void addOfANullValueIsKept() {
        assertThat(patched("{}", "[{'op':'add','path':'/a','value':null}]")).isEqualTo(json("{'a':null}"));
    }

    // ---- replace ----

    @Test
    void replaceChangesAnExistingMember() {
        assertThat(patched("{'a':1,'b':[1]}", "[{'op':'replace','path':'/b','value':'x'}]"))
                .isEqualTo(json("{'a':1,'b':'x'}"));
    }

    @Test
    void replaceOfANullMemberWorks() {
        assertThat(patched("{'a':null}", "[{'op':'replace','path':'/a','value':[1]}]")).isEqualTo(json("{'a':[1]}"));
    }

    @Test
    void replaceChangesAnArrayElement() {
        assertThat(patched("{'l':[1,2,3]}", "[{'op':'replace','path':'/l/1','value':9}]")).isEqualTo(json("{'l':[1,9,3]}"));
    }

    // ---- remove ----

    @Test
    void removeDeletesAnObjectMember() {
        assertThat(patched("{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]")).isEqualTo(json("{'b':2}"));
    }

    @Test
    void removeDeletesAnArrayElementAndShiftsTheRest() {
        assertThat(patched("{'l':[1,2,3]}", "[{'op':'remove','path':'/l/0'}]")).isEqualTo(json("{'l':[2,3]}"));
    }

    @Test
    void operationsApplyInOrder() {
        assertThat(patched("{'m':{}}", "[{'op':'add','path':'/m/a','value':1},{'op':'replace','path':'/m/a','value':2},"
                + "{'op':'add','path':'/m/b','value':3},{'op':'remove','path':'/m/a'}]"))
                .isEqualTo(json("{'m':{'b':3}}"));
    }

    @Test
    void emptyPatchChangesNothing() {
        assertThat(patched("{'a':1}", "[]")).isEqualTo(json("{'a':1}"));
    }

    // ---- RFC 6901 escaping ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "plain|plain",
            "a/b|a~1b",
            "m~n|m~0n",
            "~1|~01",
            "/~|~1~0",
            "~/~/|~0~1~0~1",
            "''|''"})
    void escapeEncodesTildeAndSlash(String token, String escaped) {
        assertThat(JsonPatch.escape(token)).isEqualTo(escaped);
    }

    @Test
    void escapedPathsReachMembersWithSlashAndTildeInTheirKeys() {
        JsonNode doc = json("{'m':{'a/b':1,'m~n':2,'~1':3,'x':{'p/q':4}}}");

        JsonPatch.apply(doc, JsonPatch.builder()
                .replace("/m/" + JsonPatch.escape("a/b"), JsonNodeFactory.instance.numberNode(10))
                .remove("/m/" + JsonPatch.escape("m~n"))
                .replace("/m/" + JsonPatch.escape("~1"), JsonNodeFactory.instance.numberNode(30))
                .add("/m/x/" + JsonPatch.escape("p/q"), JsonNodeFactory.instance.numberNode(40))
                .add("/m/" + JsonPatch.escape("new/~key"), JsonNodeFactory.instance.textNode("n"))
                .build());

        assertThat(doc).isEqualTo(json("{'m':{'a/b':10,'~1':30,'x':{'p/q':40},'new/~key':'n'}}"));
    }

    @Test
    void escapedTokensInTheMiddleOfAPathAreUnescaped() {
        assertThat(patched("{'a/b':{'c~d':{}}}", "[{'op':'add','path':'/a~1b/c~0d/e','value':1}]"))
                .isEqualTo(json("{'a/b':{'c~d':{'e':1}}}"));
    }

    @Test
    void emptyKeyIsAddressable() {
        assertThat(patched("{'m':{}}", "[{'op':'add','path':'/m/','value':1}]")).isEqualTo(json("{'m':{'':1}}"));
    }

    // ---- builder ----

    @Test
    void builderWritesOperationsInOrder() {
        JsonPatch.Builder builder = JsonPatch.builder();
        assertThat(builder.isEmpty()).isTrue();

        ArrayNode patch = builder.add("/a", JsonNodeFactory.instance.numberNode(1))
                .replace("/b", JsonNodeFactory.instance.textNode("x"))
                .remove("/c")
                .build();

        assertThat(builder.isEmpty()).isFalse();
        assertThat(patch).isEqualTo(json("[{'op':'add','path':'/a','value':1},{'op':'replace','path':'/b','value':'x'},"
                + "{'op':'remove','path':'/c'}]"));
    }

    // ---- corrupt patches ----

    @Test
    void patchThatIsNotAnArrayIsCorrupt() {
        assertThat(corrupt("{}", "{'op':'add','path':'/a','value':1}").getMessage()).contains("array of operations");
    }

    @Test
    void missingPathIsCorrupt() {
        assertThat(corrupt("{'a':1}", "[{'op':'remove'}]").getMessage()).contains("must start with '/'");
    }

    @Test
    void emptyOrRelativePathIsCorrupt() {
        corrupt("{'a':1}", "[{'op':'replace','path':'','value':2}]");
        corrupt("{'a':1}", "[{'op':'replace','path':'a','value':2}]");
    }

    @Test
    void replaceOfAMissingMemberIsCorrupt() {
        assertThat(corrupt("{'a':1}", "[{'op':'replace','path':'/b','value':2}]").getMessage())
                .contains("replace of a missing member /b");
    }

    @Test
    void removeOfAMissingMemberIsCorrupt() {
        assertThat(corrupt("{'a':1}", "[{'op':'remove','path':'/b'}]").getMessage())
                .contains("remove of a missing member /b");
    }

    @Test
    void parentThatDoesNotExistIsCorrupt() {
        assertThat(corrupt("{'a':{}}", "[{'op':'add','path':'/x/y','value':1}]").getMessage())
                .contains("path does not exist: /x");
    }

    @Test
    void arrayIndexOutOfRangeIsCorrupt() {
        assertThat(corrupt("{'l':[1]}", "[{'op':'replace','path':'/l/1','value':2}]").getMessage())
                .contains("index out of range: 1");
        corrupt("{'l':[1]}", "[{'op':'remove','path':'/l/5'}]");
        corrupt("{'l':[1]}", "[{'op':'add','path':'/l/2','value':2}]");
        corrupt("{'l':[1]}", "[{'op':'add','path':'/l/-1','value':2}]");
        corrupt("{'l':[[1]]}", "[{'op':'add','path':'/l/3/-','value':2}]");
    }

    @Test
    void arrayIndexThatIsNotANumberIsCorrupt() {
        assertThat(corrupt("{'l':[1]}", "[{'op':'replace','path':'/l/x','value':2}]").getMessage())
                .contains("not a number: x");
        corrupt("{'l':[1]}", "[{'op':'remove','path':'/l/-'}]");
    }

    @Test
    void unknownOpIsCorrupt() {
        assertThat(corrupt("{'a':1}", "[{'op':'move','from':'/a','path':'/b'}]").getMessage())
                .contains("unsupported JSON Patch op 'move'");
        corrupt("{'a':1}", "[{'path':'/a'}]");
    }

    @Test
    void addOrReplaceWithoutValueIsCorrupt() {
        assertThat(corrupt("{'a':1}", "[{'op':'add','path':'/b'}]").getMessage()).contains("without value");
        corrupt("{'a':1}", "[{'op':'replace','path':'/a'}]");
    }

    @Test
    void operationsOnAScalarParentAreCorrupt() {
        assertThat(corrupt("{'a':'text'}", "[{'op':'add','path':'/a/b','value':1}]").getMessage())
                .contains("non-container");
        corrupt("{'a':1}", "[{'op':'replace','path':'/a/b','value':1}]");
        corrupt("{'a':true}", "[{'op':'remove','path':'/a/b'}]");
    }
}
