package io.lvsha.agent.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

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
        RawConfig raw;
        try {
            raw = MAPPER.readValue(text, RawConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new ConfigException(List.of(file + ": " + path(e) + ": unknown field. Fix: use one of " + known));
        } catch (MismatchedInputException e) {
            throw new ConfigException(List.of(file + ": " + path(e) + ": wrong type. Fix: write "
                    + expected(e.getTargetType()) + " (see deploy/examples/director1.yaml)."));
        } catch (JsonMappingException e) {
            throw new ConfigException(List.of(file + ": " + path(e) + ": " + e.getOriginalMessage()
                    .replaceAll("\\n.*", "") + ". Fix: see deploy/examples/director1.yaml."));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": not valid YAML: " + e.getMessage().replaceAll("\\n.*", "")));
        }
        if (raw == null) {
            throw new ConfigException(List.of(file + ": the file is empty. Fix: see deploy/examples/"));
        }
        return new ConfigValidator(file).validate(raw);
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
