package io.lvsha.agent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Reads a node's YAML file and validates it: a bad file is refused, never half-applied. */
public final class ConfigLoader {
    private static final YAMLMapper MAPPER = YAMLMapper.builder(new YAMLFactory())
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ConfigLoader() {
    }

    /**
     * @throws ConfigException naming the file, the field and the fix for every problem found
     */
    public static AgentConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        UnknownFields unknown = new UnknownFields(file, text);
        RawConfig raw;
        try {
            raw = MAPPER.reader().withHandler(unknown).readValue(text, RawConfig.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(unknown.and(problem(file, e)));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": not valid YAML: " + e.getMessage().replaceAll("\\n.*", "")));
        }
        if (raw == null) {
            throw new ConfigException(List.of(file + ": the file is empty. Fix: see deploy/examples/"));
        }
        List<String> problems = unknown.and();
        AgentConfig config = null;
        try {
            config = new ConfigValidator(file).validate(raw);
        } catch (ConfigException invalid) {
            problems.addAll(invalid.problems());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static String problem(Path file, JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYAMLException syntax) {
                // SnakeYAML's own words ("expected ',' or '}', but got ..."), where it found them
                Mark mark = syntax.getProblemMark();
                String where = mark == null ? "" : " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ":";
                String context = syntax.getContext() == null ? "" : " (" + syntax.getContext() + ")";
                return file + ":" + where + " not valid YAML: " + syntax.getProblem() + context
                        + ". Fix: correct the YAML there (indentation, quotes, brackets).";
            }
        }
        if (e instanceof MismatchedInputException mismatch) {
            return file + ": " + path(mismatch) + line(e.getLocation()) + ": wrong type. Fix: write "
                    + expected(mismatch.getTargetType()) + " (see deploy/examples/director1.yaml).";
        }
        String field = e instanceof JsonMappingException mapping ? path(mapping) : "(top level)";
        return file + ": " + field + line(e.getLocation()) + ": " + e.getOriginalMessage().replaceAll("\\n.*", "")
                + ". Fix: see deploy/examples/director1.yaml.";
    }

    private static String line(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ")";
    }

    /**
     * Collects every unknown field, with its line, and lets the rest of the file be read, so that
     * one misspelt key does not hide the file's other problems.
     */
    private static final class UnknownFields extends DeserializationProblemHandler {
        private final Path file;
        private final String text;
        private Map<String, Integer> lines; // found only once a field is unknown: a good file is parsed once
        private final List<String> problems = new ArrayList<>();

        UnknownFields(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        /** Each field's JSON pointer and the line it is written on; empty when the text is not YAML. */
        private static Map<String, Integer> fieldLines(String text) {
            Map<String, Integer> lines = new HashMap<>();
            try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
                for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                    if (token == JsonToken.FIELD_NAME) {
                        lines.putIfAbsent(fieldPath(parser, parser.currentName()), parser.currentTokenLocation().getLineNr());
                    }
                }
            } catch (IOException notYaml) {
                // The mapping pass reports the syntax error with its line; lines found so far are kept.
            }
            return lines;
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser,
                JsonDeserializer<?> deserializer, Object beanOrClass, String propertyName) throws IOException {
            String known = deserializer.getKnownPropertyNames() == null ? "" : deserializer.getKnownPropertyNames().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            String field = fieldPath(parser, propertyName);
            // Records are read through a token buffer, which has no locations: the line comes from the text.
            if (lines == null) {
                lines = fieldLines(text);
            }
            Integer line = lines.get(field);
            problems.add(file + ": " + field + (line == null ? "" : " (line " + line + ")")
                    + ": unknown field. Fix: use one of " + known);
            parser.skipChildren();
            return true;
        }

        /** The unknown fields first (a misspelt key explains a "missing" one), then the others. */
        List<String> and(String... others) {
            List<String> all = new ArrayList<>(problems);
            all.addAll(List.of(others));
            return all;
        }

        /** "group.channels[0].colour": the mappings and lists that hold the field, from the top. */
        private static String fieldPath(JsonParser parser, String propertyName) {
            // At a mapping or list value the parser may already be inside it: the holder is the
            // innermost mapping that is at this field.
            JsonStreamContext holder = parser.getParsingContext();
            while (holder.getParent() != null && !(holder.inObject() && propertyName.equals(holder.getCurrentName()))) {
                holder = holder.getParent();
            }
            List<String> steps = new ArrayList<>();
            JsonStreamContext inner = holder;
            for (JsonStreamContext outer = holder.getParent(); outer != null && !outer.inRoot(); outer = outer.getParent()) {
                // A buffered record's context starts with a copy of the parser's own: count that level once.
                boolean copy = outer.getClass() != inner.getClass() && outer.getTypeDesc().equals(inner.getTypeDesc())
                        && Objects.equals(outer.getCurrentName(), inner.getCurrentName());
                if (!copy) {
                    steps.add(0, outer.inArray() ? "[" + outer.getCurrentIndex() + "]" : outer.getCurrentName());
                }
                inner = outer;
            }
            steps.add(propertyName);
            return String.join(".", steps).replace(".[", "[");
        }
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "the value shown in the example";
        }
        if (type == String.class) {
            return "a single value (text)";
        }
        if (type == Integer.class || type == int.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list ('- item' lines)";
        }
        return "a mapping ('key: value' lines)";
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            } else {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            }
        }
        return path.length() == 0 ? "(top level)" : path.toString();
    }
}
