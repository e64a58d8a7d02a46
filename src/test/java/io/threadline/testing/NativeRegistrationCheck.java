package io.threadline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.runtime.ThreadlineAgent;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Whether an agent's types are registered for reflection, as a native image needs them: its state record and
 * every type reachable from it (record components, generic type arguments, array components, enums, nested
 * records and classes, the permitted subtypes of sealed types), and its tool classes (their {@code @Tool}
 * methods are found and called reflectively). The JVM needs none of this, so a missing registration passes
 * every JVM test and fails in Lambda; this check fails in the build instead, naming each class.
 *
 * <p>Registered means what Quarkus registers: the targets and class names of a {@link RegisterForReflection}
 * on any class of the scanned compiled classes, or a class carrying the annotation without targets itself.
 * Scanning class files is fine in a test; the application registers statically.
 */
public final class NativeRegistrationCheck {

    private NativeRegistrationCheck() {
    }

    /** The directory (or jar) {@code type} was compiled into. */
    public static Path classesOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every class registered for reflection by an annotation on a class compiled into one of {@code roots}. */
    public static Set<Class<?>> registeredIn(Path... roots) {
        Set<Class<?>> registered = new LinkedHashSet<>();
        for (Path root : roots) {
            for (Class<?> type : classesIn(root)) {
                RegisterForReflection r = type.getAnnotation(RegisterForReflection.class);
                if (r == null) {
                    continue;
                }
                if (r.targets().length == 0 && r.classNames().length == 0) {
                    registered.add(type);
                }
                registered.addAll(List.of(r.targets()));
                for (String name : r.classNames()) {
                    registered.add(load(name, type.getClassLoader()));
                }
            }
        }
        return registered;
    }

    /**
     * The classes of {@code agent} a native image needs registered, each with where it was found: the state
     * type's closure, then the tool classes.
     */
    public static Map<Class<?>, String> needed(ThreadlineAgent<?> agent) {
        Map<Class<?>, String> needed = new LinkedHashMap<>();
        Class<?> state = agent.graph().schema().type();
        needed.put(state, "the state");
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(state));
        while (!todo.isEmpty()) {
            Class<?> type = todo.pop();
            for (Map.Entry<Type, String> reached : reachableFrom(type).entrySet()) {
                for (Class<?> c : classesIn(reached.getKey())) {
                    if (needsRegistration(c) && !needed.containsKey(c)) {
                        needed.put(c, reached.getValue());
                        todo.add(c);
                    }
                }
            }
        }
        for (Class<?> tool : agent.tools().toolClasses()) {
            needed.putIfAbsent(tool, "a tool class");
        }
        return needed;
    }

    /** One line per class of {@code agent} that {@code registered} lacks; empty when all are registered. */
    public static List<String> missing(ThreadlineAgent<?> agent, Set<Class<?>> registered) {
        return needed(agent).entrySet().stream().filter(e -> !registered.contains(e.getKey()))
                .map(e -> e.getKey().getName() + " (" + e.getValue() + ")").toList();
    }

    /** A readable verdict over several agents; empty when every agent's classes are registered. */
    public static String report(Collection<? extends ThreadlineAgent<?>> agents, Set<Class<?>> registered) {
        StringBuilder out = new StringBuilder();
        for (ThreadlineAgent<?> agent : agents) {
            List<String> missing = missing(agent, registered);
            if (!missing.isEmpty()) {
                out.append("agent '").append(agent.name()).append("' (").append(agent.getClass().getName())
                        .append(") has classes not registered for reflection, which a native image cannot bind or call; ")
                        .append("add them to @RegisterForReflection(targets = {...}) on the agent's bean:");
                missing.forEach(m -> out.append("\n  - ").append(m));
                out.append('\n');
            }
        }
        return out.toString();
    }

    /** The types a class's serialised form reaches, each with a note of where: record components, fields, permitted subtypes. */
    private static Map<Type, String> reachableFrom(Class<?> type) {
        Map<Type, String> out = new LinkedHashMap<>();
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                out.put(c.getGenericType(), "in " + type.getName() + "." + c.getName());
            }
        } else if (!type.isEnum() && !type.isInterface()) {
            for (Class<?> t = type; t != null && t != Object.class; t = t.getSuperclass()) {
                for (Field f : t.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers())) {
                        out.put(f.getGenericType(), "in " + t.getName() + "." + f.getName());
                    }
                }
            }
        }
        if (type.isSealed()) {
            for (Class<?> sub : type.getPermittedSubclasses()) {
                out.put(sub, "a permitted subtype of " + type.getName());
            }
        }
        return out;
    }

    /** The classes a generic type names: itself, its type arguments, array components, wildcard and variable bounds. */
    public static Set<Class<?>> classesIn(Type root) {
        Set<Class<?>> out = new LinkedHashSet<>();
        Deque<Type> todo = new ArrayDeque<>(List.of(root));
        Set<Type> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            Type t = todo.pop();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof Class<?> c) {
                if (c.isArray()) {
                    todo.add(c.getComponentType());
                } else {
                    out.add(c);
                }
            } else if (t instanceof ParameterizedType p) {
                todo.add(p.getRawType());
                todo.addAll(List.of(p.getActualTypeArguments()));
            } else if (t instanceof GenericArrayType a) {
                todo.add(a.getGenericComponentType());
            } else if (t instanceof WildcardType w) {
                todo.addAll(List.of(w.getUpperBounds()));
                todo.addAll(List.of(w.getLowerBounds()));
            } else if (t instanceof TypeVariable<?> v) {
                todo.addAll(List.of(v.getBounds()));
            }
        }
        return out;
    }

    /**
     * Whether a native image needs {@code type} registered to bind it: not primitives, not the JDK's own types
     * (collections, strings, numbers, time: Jackson binds them without reflection on them), not Jackson's trees.
     */
    private static boolean needsRegistration(Class<?> type) {
        if (type.isPrimitive() || type == Object.class) {
            return false;
        }
        String name = type.getName();
        return !(name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || JsonNode.class.isAssignableFrom(type));
    }

    private static List<Class<?>> classesIn(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + " is not a directory of compiled classes");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        List<Class<?>> classes = new ArrayList<>();
        for (Path f : files) {
            classes.add(load(root.relativize(f).toString().replace(File.separatorChar, '.').replaceAll("\\.class$", ""), loader));
        }
        return classes;
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("cannot load " + name + " to read its @RegisterForReflection", e);
        }
    }
}
