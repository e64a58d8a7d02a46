package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * template.yaml as CloudFormation reads it: the short-form tags ({@code !Ref}, {@code !Sub}, {@code !GetAtt},
 * {@code !If} …) turned into their long form ({@code {"Ref": …}}, {@code {"Fn::Sub": …}}, {@code !GetAtt A.B} into
 * {@code {"Fn::GetAtt": ["A", "B"]}}), so the tree is what AWS's JSON schema and the checks of the template tests
 * see. Jackson's YAML reader drops the tags instead, which would hide every intrinsic function.
 */
final class CfnTemplate {

    static final Path PATH = Path.of("template.yaml");

    /** Short form → long form, as CloudFormation's YAML documentation lists them. */
    private static final Map<String, String> FUNCTIONS = Map.ofEntries(
            Map.entry("Ref", "Ref"), Map.entry("Condition", "Condition"),
            Map.entry("GetAtt", "Fn::GetAtt"), Map.entry("Sub", "Fn::Sub"), Map.entry("If", "Fn::If"),
            Map.entry("Equals", "Fn::Equals"), Map.entry("Not", "Fn::Not"), Map.entry("And", "Fn::And"),
            Map.entry("Or", "Fn::Or"), Map.entry("Join", "Fn::Join"), Map.entry("Select", "Fn::Select"),
            Map.entry("Split", "Fn::Split"), Map.entry("FindInMap", "Fn::FindInMap"), Map.entry("GetAZs", "Fn::GetAZs"),
            Map.entry("ImportValue", "Fn::ImportValue"), Map.entry("Base64", "Fn::Base64"), Map.entry("Cidr", "Fn::Cidr"),
            Map.entry("Length", "Fn::Length"), Map.entry("ToJsonString", "Fn::ToJsonString"));

    private CfnTemplate() {
    }

    static JsonNode read() {
        try {
            return read(Files.readString(PATH));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(String yaml) {
        Object tree = new Yaml(new LongForm(new LoaderOptions())).load(yaml);
        return new ObjectMapper().valueToTree(tree);
    }

    /** SnakeYAML's safe constructor with one construct per CloudFormation tag. */
    private static final class LongForm extends SafeConstructor {

        LongForm(LoaderOptions options) {
            super(options);
            FUNCTIONS.forEach((shortName, longName) -> yamlConstructors.put(new Tag("!" + shortName), new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    return Map.of(longName, value(shortName, node));
                }
            }));
        }

        private Object value(String shortName, Node node) {
            if (node instanceof ScalarNode scalar) {
                String text = scalar.getValue();
                if (shortName.equals("GetAtt")) {
                    int dot = text.indexOf('.');
                    return dot < 0 ? List.of(text) : List.of(text.substring(0, dot), text.substring(dot + 1));
                }
                return text;
            }
            if (node instanceof SequenceNode sequence) {
                return constructSequence(sequence);
            }
            return constructMapping((MappingNode) node);
        }
    }
}
