import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the JVM Lambda package (target/function.zip, as quarkus-amazon-lambda builds it: the
 * application's classes at the root, every dependency a jar in lib/) so that the dependencies' classes
 * sit at the root too, as files. Run by the build after Quarkus packages (pom.xml, profile lambda):
 * {@code java infra/package/FlattenFunctionZip.java --release 17 --keep-packed REGEX target/function.zip}.
 *
 * <p>Why: Lambda's Java runtime loads a function with a URLClassLoader over /var/task and each jar of
 * /var/task/lib. With ~240 jars, every class lookup walks the jars in order and inflates the class
 * from its jar; from a directory it is one file read. On the cold start benchmark this is the largest
 * single saving (bench/README.md, "Cold start").
 *
 * <p>What the class loader sees stays the same: entries are taken in the runtime's own order (the root,
 * then lib/ sorted by name) and the first of a name wins, as it did. Files that several jars contribute
 * and that readers collect from every jar ({@code META-INF/services/*}, Netty's version properties) are
 * concatenated. A directory has no per-JDK class versions, so a multi-release jar is flattened as the
 * JDK of {@code --release} (the build's Java release, the lowest the package runs on) would read it:
 * each class in the highest {@code META-INF/versions/N} with N at most that release, else its base
 * version; versions above it are left out and listed (today only jackson-core's fast number parsing has
 * Java 21 variants: Lambda's Java 21 runs their Java 17 ones). Each jar's licence and notice files are
 * kept under {@code META-INF/licenses/<jar>/}. A package without lib/ (the native one) is left alone.
 */
public final class FlattenFunctionZip {

    private static final String LIB = "lib/";
    /** Files every jar may carry that readers collect from all of them: their contents are concatenated. */
    private static boolean concatenated(String name) {
        return name.startsWith("META-INF/services/") && !name.endsWith("/")
                || name.equals("META-INF/io.netty.versions.properties");
    }

    /** Per-jar files that mean nothing once the jar is gone. */
    private static boolean dropped(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return name.equals("META-INF/MANIFEST.MF") || name.equals("META-INF/INDEX.LIST")
                || name.endsWith("module-info.class")
                || upper.startsWith("META-INF/") && (upper.endsWith(".SF") || upper.endsWith(".RSA")
                || upper.endsWith(".DSA") || upper.endsWith(".EC"));
    }

    /** A dependency jar of lib/ (not a file a flattened jar put under lib/, like a native library). */
    private static boolean isJar(String name) {
        return name.startsWith(LIB) && name.endsWith(".jar") && name.indexOf('/', LIB.length()) < 0;
    }

    private static boolean legal(String name) {
        if (!name.startsWith("META-INF/") || name.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        String file = name.substring("META-INF/".length()).toUpperCase(Locale.ROOT);
        return file.startsWith("LICENSE") || file.startsWith("NOTICE") || file.startsWith("DEPENDENCIES")
                || file.startsWith("COPYRIGHT");
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5 || !args[0].equals("--release") || !args[2].equals("--keep-packed")) {
            System.err.println("usage: java infra/package/FlattenFunctionZip.java --release 17 --keep-packed REGEX target/function.zip");
            System.exit(2);
        }
        int release = Integer.parseInt(args[1]);
        Pattern keepPacked = Pattern.compile(args[3]);
        Path zip = Path.of(args[4]);
        if (!Files.exists(zip)) {
            System.err.println("FlattenFunctionZip: no " + zip + " (nothing packaged)");
            System.exit(1);
        }
        Path out = zip.resolveSibling(zip.getFileName() + ".flat");
        Summary summary;
        try (ZipFile in = new ZipFile(zip.toFile())) {
            List<String> jars = new ArrayList<>();
            for (ZipEntry e : Collections.list(in.entries())) {
                if (isJar(e.getName())) {
                    jars.add(e.getName());
                }
            }
            if (jars.isEmpty()) {
                System.out.println("FlattenFunctionZip: " + zip + " has no lib/ (a native package): left as it is");
                return;
            }
            // CustomerClassLoader of aws-lambda-java-runtime-interface-client: /var/task, then lib/*.jar sorted by name.
            jars.sort(null);
            try (ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
                summary = flatten(in, jars, release, keepPacked, zout);
            }
        }
        Files.move(out, zip, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("FlattenFunctionZip: " + zip + ": " + summary);
    }

    record Summary(int jars, List<String> packed, int entries, int concatenated, List<String> versioned, List<String> shadowed) {
        @Override
        public String toString() {
            return entries + " entries from the root and " + (jars - packed.size()) + " jars; kept packed in lib/: " + packed.size()
                    + " " + packed + "; " + concatenated + " files concatenated; "
                    + "multi-release classes left out (above --release): " + versioned.size() + " " + versioned
                    + (shadowed.isEmpty() ? "" : "; shadowed by an earlier entry of the same name, as on the class path: "
                    + shadowed.size() + " " + shadowed.subList(0, Math.min(5, shadowed.size())));
        }
    }

    private static Summary flatten(ZipFile in, List<String> jars, int release, Pattern keepPacked, ZipOutputStream out) throws IOException {
        Set<String> taken = new HashSet<>();
        Map<String, ByteArrayOutputStream> concat = new LinkedHashMap<>();
        Map<String, String> firstSource = new HashMap<>();
        List<String> shadowed = new ArrayList<>();

        // The root first: the application's own classes and resources, as Quarkus wrote them.
        for (ZipEntry e : Collections.list(in.entries())) {
            String n = e.getName();
            if (isJar(n) || e.isDirectory()) {
                continue;
            }
            byte[] bytes = read(in.getInputStream(e));
            if (concatenated(n)) {
                append(concat, n, bytes);
            } else {
                write(out, n, e.getTime(), bytes);
            }
            taken.add(n);
            firstSource.put(n, "the root");
        }
        List<String> versioned = new ArrayList<>();
        List<String> packed = new ArrayList<>();
        for (String jar : jars) {
            String jarName = jar.substring(LIB.length());
            byte[] jarBytes = read(in.getInputStream(in.getEntry(jar)));
            if (keepPacked.matcher(jarName).matches()) {
                packed.add(jarName);
                write(out, jar, in.getEntry(jar).getTime(), jarBytes);
                // Found in this jar before any later one, as before: later copies of its names stay out of the root.
                try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(jarBytes))) {
                    for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                        if (!e.isDirectory() && !concatenated(e.getName()) && taken.add(e.getName())) {
                            firstSource.put(e.getName(), jarName);
                        }
                    }
                }
                continue;
            }
            Map<String, Versioned> entries = entries(jarBytes, release, versioned, jarName);
            for (Map.Entry<String, Versioned> entry : entries.entrySet()) {
                String n = entry.getKey();
                Versioned v = entry.getValue();
                if (dropped(n)) {
                    continue;
                }
                if (legal(n)) {
                    write(out, "META-INF/licenses/" + jarName.replaceAll("\\.jar$", "") + "/" + n.substring("META-INF/".length()),
                            v.time(), v.bytes());
                } else if (concatenated(n)) {
                    append(concat, n, v.bytes());
                } else if (taken.add(n)) {
                    firstSource.put(n, jarName);
                    write(out, n, v.time(), v.bytes());
                } else if (n.endsWith(".class")) {
                    shadowed.add(n + " (" + jarName + ", shadowed by " + firstSource.get(n) + ")");
                }
            }
        }
        for (Map.Entry<String, ByteArrayOutputStream> c : concat.entrySet()) {
            write(out, c.getKey(), 0, c.getValue().toByteArray());
        }
        return new Summary(jars.size(), packed, taken.size() + concat.size(), concat.size(), versioned, shadowed);
    }

    private static void append(Map<String, ByteArrayOutputStream> concat, String name, byte[] bytes) throws IOException {
        ByteArrayOutputStream buffer = concat.computeIfAbsent(name, k -> new ByteArrayOutputStream());
        buffer.write(bytes);
        if (bytes.length > 0 && bytes[bytes.length - 1] != '\n') {
            buffer.write('\n');
        }
    }

    record Versioned(int version, long time, byte[] bytes) {}

    private static final String VERSIONS = "META-INF/versions/";

    /**
     * A jar's entries in its order, as a JDK of {@code release} reads it: a multi-release jar's class
     * versions up to that release replace the base ones.
     */
    private static Map<String, Versioned> entries(byte[] jar, int release, List<String> leftOut, String jarName) throws IOException {
        Map<String, Versioned> entries = new LinkedHashMap<>();
        List<String[]> versionedNames = new ArrayList<>();
        Map<String, Versioned> versions = new HashMap<>();
        boolean multiRelease = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.isDirectory()) {
                    continue;
                }
                byte[] bytes = in.readAllBytes();
                String n = e.getName();
                if (n.equals("META-INF/MANIFEST.MF")) {
                    Manifest manifest = new Manifest(new ByteArrayInputStream(bytes));
                    multiRelease = "true".equalsIgnoreCase(manifest.getMainAttributes().getValue(new Attributes.Name("Multi-Release")));
                }
                if (n.startsWith(VERSIONS) && n.indexOf('/', VERSIONS.length()) > 0) {
                    int slash = n.indexOf('/', VERSIONS.length());
                    versionedNames.add(new String[] {n.substring(VERSIONS.length(), slash), n.substring(slash + 1)});
                    versions.put(n, new Versioned(Integer.parseInt(n.substring(VERSIONS.length(), slash)), e.getTime(), bytes));
                } else {
                    entries.put(n, new Versioned(0, e.getTime(), bytes));
                }
            }
        }
        for (String[] vn : versionedNames) {
            Versioned v = versions.get(VERSIONS + vn[0] + "/" + vn[1]);
            if (!multiRelease) {
                entries.put(VERSIONS + vn[0] + "/" + vn[1], v);
            } else if (v.version() > release) {
                if (!vn[1].equals("module-info.class")) {
                    leftOut.add(jarName + "!" + VERSIONS + vn[0] + "/" + vn[1]);
                }
            } else {
                Versioned current = entries.get(vn[1]);
                if (current == null || current.version() < v.version()) {
                    entries.put(vn[1], v);
                }
            }
        }
        return entries;
    }

    private static void write(ZipOutputStream out, String name, long time, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        if (time > 0) {
            e.setTime(time);
        }
        out.putNextEntry(e);
        out.write(bytes);
        out.closeEntry();
    }

    private static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private FlattenFunctionZip() {
    }
}
