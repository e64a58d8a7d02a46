package io.threadline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * W2 corpus A (../shared/bench-workload.md): the machine's Debian package index as {@code apt-cache dumpavail}
 * prints it, one memory per package — {@code "<name>: <description>"} — for the first 10,000 packages in
 * index order, and as queries the descriptions (without the name) of the 200 packages that follow them.
 *
 * <p>Debian's {@code Packages} index carries only the one-line synopsis in {@code Description:} (the long
 * descriptions live in the separate translation files, referenced by {@code Description-md5}); a
 * multi-line {@code Description:} field, should an index have one, is kept whole, its continuation lines
 * joined with spaces and its {@code " ."} paragraph separators dropped.
 */
final class W2CorpusA {

    static final int SIZE = 10_000;
    static final int QUERIES = 200;

    /** One package: its name and its description. */
    record Package(String name, String description) {}

    final String[] contents;
    final String[] queries;
    final String source;

    private W2CorpusA(String[] contents, String[] queries, String source) {
        this.contents = contents;
        this.queries = queries;
        this.source = source;
    }

    /** The first {@code n} packages as memories, and the descriptions of the next 200 as queries. */
    static W2CorpusA read(Path dumpavail, int n) throws IOException {
        byte[] bytes = Files.readAllBytes(dumpavail);
        List<Package> packages = parse(new String(bytes, StandardCharsets.UTF_8));
        if (packages.size() < n + QUERIES) {
            throw new IllegalArgumentException(dumpavail + " lists " + packages.size() + " packages; corpus A needs " + (n + QUERIES)
                    + " (run apt-get update first)");
        }
        String[] contents = new String[n];
        for (int i = 0; i < n; i++) {
            contents[i] = packages.get(i).name() + ": " + packages.get(i).description();
        }
        String[] queries = new String[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            queries[q] = packages.get(n + q).description();
        }
        return new W2CorpusA(contents, queries, String.format(Locale.ROOT,
                "%s (%,d packages, sha256 %s): memories = packages 0..%d (%s .. %s), queries = descriptions of packages %d..%d (%s .. %s)",
                dumpavail, packages.size(), sha256(bytes).substring(0, 16), n - 1, packages.get(0).name(), packages.get(n - 1).name(),
                n, n + QUERIES - 1, packages.get(n).name(), packages.get(n + QUERIES - 1).name()));
    }

    /** The packages of a {@code dumpavail} text, in order; a stanza without Package or Description is skipped. */
    static List<Package> parse(String text) {
        List<Package> out = new ArrayList<>();
        String name = null;
        StringBuilder description = null;
        boolean inDescription = false;
        for (String line : (text + "\n\n").split("\n", -1)) {
            if (line.isBlank()) {
                if (name != null && description != null) {
                    out.add(new Package(name, description.toString().strip()));
                }
                name = null;
                description = null;
                inDescription = false;
            } else if (line.startsWith(" ") || line.startsWith("\t")) {
                if (inDescription && !line.strip().equals(".")) {
                    description.append(' ').append(line.strip());
                }
            } else {
                inDescription = false;
                if (line.startsWith("Package:")) {
                    name = line.substring("Package:".length()).strip();
                } else if (line.startsWith("Description:")) {
                    description = new StringBuilder(line.substring("Description:".length()).strip());
                    inDescription = true;
                }
            }
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
