package io.threadline.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A bench main's command line: each main declares its options once (name, type, default), then reads them in one
 * pass. What the main did not declare, a missing or malformed value, or an argument too many is refused with the
 * main's usage line, instead of being ignored or read as something else (coldstart ignored a misspelt option, and
 * W1 dynamodb took a second number for its turn count).
 * A value is taken as it stands even when it starts with {@code --} ({@code --jvm-opts "--enable-preview"}); an
 * option given twice keeps its last value, as the hand-written loops this replaces did.
 */
final class BenchArgs {

    /** A refused command line: what is wrong, then the usage. */
    static final class Refusal extends IllegalArgumentException {
        Refusal(String message) {
            super(message);
        }
    }

    /** One declared option or positional argument: the value read, else its default. */
    static final class Value<T> {
        private final String name;
        private final String expected;
        private final Function<String, T> parse;
        private T value;
        private boolean given;

        private Value(String name, String expected, Function<String, T> parse, T fallback) {
            this.name = name;
            this.expected = expected;
            this.parse = parse;
            this.value = fallback;
        }

        T get() {
            return value;
        }

        /** Whether the command line named it: for options whose meaning depends on another one. */
        boolean given() {
            return given;
        }
    }

    private final String command;
    private final String usage;
    private final Map<String, Value<?>> options = new LinkedHashMap<>();
    /** Options that take no value; their Value is a Boolean. */
    private final Map<String, Value<Boolean>> flags = new LinkedHashMap<>();
    private final List<Value<?>> positionals = new ArrayList<>();

    /** {@code command} prefixes every refusal (the workload's name in bench/run); {@code usage} follows it. */
    BenchArgs(String command, String usage) {
        this.command = command;
        this.usage = usage;
    }

    /**
     * Parses {@code args} with {@code parse} (a main's options record); a refusal is printed with the usage and the
     * process exits 2, as bench/run does for a workload it does not know, rather than a stack trace.
     */
    static <T> T parseOrExit(String[] args, Function<String[], T> parse) {
        try {
            return parse.apply(args);
        } catch (Refusal e) {
            System.err.println(e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    Value<Integer> intOption(String name, int fallback) {
        return option(name, fallback, "a whole number", Integer::parseInt);
    }

    Value<Long> longOption(String name, long fallback) {
        return option(name, fallback, "a whole number", Long::parseLong);
    }

    Value<String> stringOption(String name, String fallback) {
        return option(name, fallback, "a value", s -> s);
    }

    /** One of {@code allowed}, spelled exactly. */
    Value<String> choiceOption(String name, String fallback, String... allowed) {
        List<String> values = List.of(allowed);
        return option(name, fallback, String.join("|", values), s -> {
            if (!values.contains(s)) {
                throw new IllegalArgumentException();
            }
            return s;
        });
    }

    /** Comma-separated whole numbers: {@code 0,100,200}. */
    Value<List<Integer>> intListOption(String name, List<Integer> fallback) {
        return option(name, fallback, "whole numbers separated by commas",
                s -> Arrays.stream(s.split(",")).map(Integer::parseInt).toList());
    }

    /** {@code parse} refuses a value by throwing; {@code expected} says what it takes, for the refusal. */
    <T> Value<T> option(String name, T fallback, String expected, Function<String, T> parse) {
        Value<T> v = new Value<>(name, expected, parse, fallback);
        declare(name);
        options.put(name, v);
        return v;
    }

    Value<Boolean> flag(String name) {
        Value<Boolean> v = new Value<>(name, "", s -> true, false);
        declare(name);
        flags.put(name, v);
        return v;
    }

    /** The next argument that is not an option, in declaration order among positionals. */
    Value<Integer> intPositional(String name, int fallback) {
        Value<Integer> v = new Value<>(name, "a whole number", Integer::parseInt, fallback);
        positionals.add(v);
        return v;
    }

    /** Reads {@code args} into the declared values; refuses what it cannot place. Returns this, for a main with no options. */
    BenchArgs read(String[] args) {
        int positional = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (flags.containsKey(arg)) {
                set(flags.get(arg), "true");
            } else if (options.containsKey(arg)) {
                if (i + 1 == args.length) {
                    throw refuse(arg + " needs a value (" + options.get(arg).expected + ")");
                }
                set(options.get(arg), args[++i]);
            } else if (arg.startsWith("--")) {
                throw refuse("unknown option " + arg);
            } else if (positional < positionals.size()) {
                set(positionals.get(positional++), arg);
            } else {
                throw refuse("unexpected argument " + arg);
            }
        }
        return this;
    }

    /** For a rule between options (one that needs another, a range): refused with the usage unless {@code holds}. */
    void refuseUnless(boolean holds, String what) {
        if (!holds) {
            throw refuse(what);
        }
    }

    /** For a value only the main can check (its own exception's message): refused with the usage. */
    Refusal refuse(String what) {
        return new Refusal(command + ": " + what + "\nusage: " + usage);
    }

    private void declare(String name) {
        if (!name.startsWith("--") || options.containsKey(name) || flags.containsKey(name)) {
            throw new IllegalStateException("option " + name + " declared twice or without its --");
        }
    }

    private <T> void set(Value<T> v, String text) {
        try {
            v.value = v.parse.apply(text);
        } catch (RuntimeException e) {
            // a parser's own message (a setting's rule) says more than "takes N"; a number's says less
            String why = e instanceof NumberFormatException || e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
            throw refuse(v.name + " takes " + v.expected + ", got '" + text + "'" + why);
        }
        v.given = true;
    }
}
