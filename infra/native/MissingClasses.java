import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Finds what a native-image build with {@code --link-at-build-time} (Quarkus passes it) would stop on
 * without running native-image: classes that reachable code names but that are on neither the image's
 * class path nor the JDK ("Discovered unresolved type during parsing"). Run by infra/native/check over Quarkus's native-sources output:
 * {@code java infra/native/MissingClasses.java target/native-check/native-sources infra/native/missing-classes.allow [--jdk JAVA_HOME]}.
 *
 * <p>Reachability is a rapid type analysis over the bytecode, coarser than native-image's points-to
 * analysis but of the same shape:
 * <ul>
 * <li>Roots: every method of the runner jar's classes (the application and Quarkus's generated code; not
 * native-image Features or substitution classes, which run in or feed the builder), the classes the
 * generated reflect-config.json and jni-config.json register (their registered constructors and methods),
 * and the providers of every {@code META-INF/services} file that resource-config.json includes in the image
 * (Quarkus switches native-image's own service loader support off and registers providers itself).</li>
 * <li>From a reachable method: what its reachable instructions name (new, invocations, field accesses,
 * casts, class literals, catch types, lambda and bootstrap method handles); static initialisers of the
 * classes it initialises; for virtual and interface calls, the implementation in every instantiated
 * subtype. JDK code is not walked: an instantiated class's methods that override a JDK type's are
 * reachable, as the JDK may call them.</li>
 * <li>Substitutions ({@code @TargetClass}/{@code @Substitute} in the runner jar and the libraries, such as
 * Quarkus's, io.threadline.telemetry.NativeSubstitutions and io.threadline.clients.HttpClientSubstitutions)
 * replace the bodies they target (their {@code onlyWith} conditions are taken as met). A call to a static method whose body is only a boolean
 * constant, followed by a branch on it, is folded as native-image's inlining before analysis folds it: the
 * branch not taken is not walked.</li>
 * </ul>
 * Each missing class reached must be listed in the allow-list, with why it is safe; the check fails on one
 * that is not, and on an allow-list line that matches nothing any more. Exit 0 clean, 1 findings, 2 usage.
 */
public final class MissingClasses {

    private static final String TARGET_CLASS = "Lcom/oracle/svm/core/annotate/TargetClass;";
    private static final String SUBSTITUTE = "Lcom/oracle/svm/core/annotate/Substitute;";
    private static final String DELETE = "Lcom/oracle/svm/core/annotate/Delete;";
    private static final String FEATURE = "org/graalvm/nativeimage/hosted/Feature";
    /** native-image's JDK: classes in META-INF/versions/N of a multi-release jar count for N up to this. */
    private static final int IMAGE_JAVA = 25;

    // ---- class path -------------------------------------------------------------------------------------

    /** Where a class's bytes are: internal name -> jar and entry. First jar of the class path wins. */
    private final Map<String, String[]> entries = new HashMap<>();
    private final Map<String, ZipFile> jars = new LinkedHashMap<>();
    private final JdkClasses jdk;
    private final Map<String, ClassModel> models = new HashMap<>();

    // ---- analysis state ---------------------------------------------------------------------------------

    private final Set<String> reachedMethods = new HashSet<>();
    /** The method that first reached a method (for the paths in the report). */
    private final Map<String, String> reachedFrom = new HashMap<>();
    private final Deque<String[]> work = new ArrayDeque<>();
    private final Set<String> initialised = new HashSet<>();
    private final Set<String> instantiated = new HashSet<>();
    /** Virtual call sites seen: method name+descriptor -> the owners called on. */
    private final Map<String, Set<String>> virtualCalls = new HashMap<>();
    /** Instantiated classes by the name+descriptor of each method their non-JDK hierarchy declares. */
    private final Map<String, List<String>> instantiatedBySig = new HashMap<>();
    /** Substituted bodies: owner.name+descriptor of the target -> the substitution class's method. */
    private final Map<String, String[]> substitutions = new HashMap<>();
    /** Substitution class -> its target, to read a substitute's references as the target's. */
    private final Map<String, String> substitutionTargets = new HashMap<>();
    /** Missing class (or class.member) -> the reachable methods that name it. */
    private final Map<String, Set<String>> missing = new TreeMap<>();
    private final Set<String> checkedSupers = new HashSet<>();

    private MissingClasses(Path sources, Path jdkHome) throws IOException {
        Path runner;
        try (Stream<Path> files = Files.list(sources)) {
            runner = files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no *-runner.jar in " + sources));
        }
        List<Path> classPath = new ArrayList<>();
        classPath.add(runner);
        try (JarFile jar = new JarFile(runner.toFile())) {
            String cp = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            for (String element : cp == null ? new String[0] : cp.trim().split("\\s+")) {
                classPath.add(sources.resolve(element));
            }
        }
        for (Path p : classPath) {
            ZipFile zip = new ZipFile(p.toFile());
            jars.put(p.getFileName().toString(), zip);
            Map<String, Integer> versionOf = new HashMap<>();
            for (var e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (!name.endsWith(".class") || name.endsWith("module-info.class")) {
                    continue;
                }
                int version = 0;
                String cls = name.substring(0, name.length() - 6);
                if (name.startsWith("META-INF/versions/")) {
                    String[] parts = name.split("/", 4);
                    try {
                        version = Integer.parseInt(parts[2]);
                    } catch (NumberFormatException ex) {
                        continue;
                    }
                    if (version > IMAGE_JAVA || parts.length < 4) {
                        continue;
                    }
                    cls = parts[3].substring(0, parts[3].length() - 6);
                } else if (name.startsWith("META-INF/")) {
                    continue;
                }
                String[] existing = entries.get(cls);
                if (existing == null || (existing[0].equals(p.getFileName().toString()) && versionOf.getOrDefault(cls, 0) < version)) {
                    entries.put(cls, new String[] {p.getFileName().toString(), name});
                    versionOf.put(cls, version);
                }
            }
        }
        FileSystem jrt = jdkHome == null ? FileSystems.getFileSystem(URI.create("jrt:/"))
                : FileSystems.newFileSystem(URI.create("jrt:/"), Map.of("java.home", jdkHome.toString()));
        jdk = new JdkClasses(jrt);
    }

    /** The JDK's classes, looked up by package in its jrt file system (/packages/P lists the modules of P). */
    static final class JdkClasses {
        private final FileSystem jrt;
        private final Map<String, List<Path>> modulesByPackage = new HashMap<>();
        private final Map<String, Path> found = new HashMap<>();

        JdkClasses(FileSystem jrt) {
            this.jrt = jrt;
        }

        boolean contains(String cls) {
            return path(cls) != null;
        }

        /** The class file, or null when no module of the JDK has the class. */
        Path path(String cls) {
            if (found.containsKey(cls)) {
                return found.get(cls);
            }
            int slash = cls.lastIndexOf('/');
            Path file = null;
            if (slash > 0) {
                String pkg = cls.substring(0, slash).replace('/', '.');
                List<Path> modules = modulesByPackage.computeIfAbsent(pkg, p -> {
                    Path dir = jrt.getPath("/packages", p);
                    if (!Files.isDirectory(dir)) {
                        return List.of();
                    }
                    try (Stream<Path> links = Files.list(dir)) {
                        return links.map(l -> jrt.getPath("/modules", l.getFileName().toString())).toList();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                for (Path module : modules) {
                    Path candidate = module.resolve(cls + ".class");
                    if (Files.exists(candidate)) {
                        file = candidate;
                        break;
                    }
                }
            }
            found.put(cls, file);
            return file;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java MissingClasses.java NATIVE_SOURCES_DIR ALLOW_LIST [--jdk JAVA_HOME]");
            System.exit(2);
        }
        long start = System.nanoTime();
        Path jdkHome = args.length >= 4 && args[2].equals("--jdk") ? Path.of(args[3]) : null;
        MissingClasses scan = new MissingClasses(Path.of(args[0]), jdkHome);
        scan.run();
        Map<String, String> allow = readAllowList(Path.of(args[1]));
        int unexplained = 0;
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Set<String>> m : scan.missing.entrySet()) {
            String rule = allowedBy(allow, m.getKey());
            if (rule != null) {
                used.add(rule);
                continue;
            }
            unexplained++;
            String from = m.getValue().iterator().next();
            System.out.println("missing: " + m.getKey().replace('/', '.') + "  (named by " + m.getValue().size() + " reachable method"
                    + (m.getValue().size() == 1 ? "" : "s") + ")");
            System.out.println("  reached: " + scan.path(from));
        }
        int stale = 0;
        for (String rule : allow.keySet()) {
            if (!used.contains(rule)) {
                stale++;
                System.out.println("allow-list entry matches nothing reachable any more (remove it): " + rule);
            }
        }
        System.out.printf("missing-classes: %d classes on the class path + JDK %s; %d methods reachable, %d classes instantiated, "
                        + "%d substitutions; %d missing references (%d allowed, %d not), %d stale allow-list entries (%.1f s)%n",
                scan.entries.size(), jdkHome == null ? System.getProperty("java.version") : jdkHome, scan.reachedMethods.size(),
                scan.instantiated.size(), scan.substitutions.size(), scan.missing.size(), scan.missing.size() - unexplained, unexplained,
                stale, (System.nanoTime() - start) / 1e9);
        System.exit(unexplained == 0 && stale == 0 ? 0 : 1);
    }

    // ---- roots ------------------------------------------------------------------------------------------

    private void run() throws IOException {
        readSubstitutions();
        String runnerName = jars.keySet().iterator().next();
        ZipFile runner = jars.get(runnerName);
        for (Map.Entry<String, String[]> e : entries.entrySet()) {
            if (!e.getValue()[0].equals(runnerName)) {
                continue;
            }
            ClassModel c = model(e.getKey());
            if (c == null || c.targetClass != null || isHostedOnly(c)) {
                continue;
            }
            instantiate(e.getKey(), "<runner jar>");
            for (MethodModel m : c.methods.values()) {
                reach(c.name, m.name, m.desc, "<runner jar>");
            }
        }
        for (String config : List.of("reflect-config.json", "jni-config.json")) {
            ZipEntry entry = runner.getEntry("META-INF/native-image/" + config);
            if (entry != null) {
                String json = new String(runner.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
                registrations(json, "<" + config + ">");
            }
        }
        ZipEntry resources = runner.getEntry("META-INF/native-image/resource-config.json");
        if (resources != null) {
            services(new String(runner.getInputStream(resources).readAllBytes(), StandardCharsets.UTF_8));
        }
        drain();
    }

    /** Classes registered for reflection or JNI: instantiated if a constructor is, and the methods registered. */
    private void registrations(String json, String origin) {
        for (String object : topLevelObjects(json)) {
            // The entry's own "name", not one of its methods' or fields': nested arrays blanked first.
            String own = object;
            for (String previous = null; !own.equals(previous); ) {
                previous = own;
                own = own.replaceAll("\\[[^\\[\\]]*]", "[]");
            }
            Matcher name = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(own);
            if (!name.find()) {
                continue;
            }
            String cls = name.group(1).replace('.', '/');
            // native-image skips (with a warning) a registration whose class is absent: not a build failure.
            if (cls.endsWith("[]") || (!entries.containsKey(cls) && !jdk.contains(cls)) || !require(cls, origin)) {
                continue;
            }
            ClassModel c = model(cls);
            if (c == null) {
                continue;
            }
            boolean allMethods = object.contains("\"allDeclaredMethods\":true") || object.contains("\"allPublicMethods\":true");
            boolean allConstructors = object.contains("\"allDeclaredConstructors\":true") || object.contains("\"allPublicConstructors\":true");
            Set<String> named = new HashSet<>();
            Matcher methods = Pattern.compile("\"methods\"\\s*:\\s*\\[(.*?)]").matcher(object);
            while (methods.find()) {
                Matcher n = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(methods.group(1));
                while (n.find()) {
                    named.add(n.group(1));
                }
            }
            if (allConstructors || named.contains("<init>")) {
                instantiate(cls, origin);
            } else {
                initialise(cls, origin);
            }
            for (MethodModel m : c.methods.values()) {
                boolean constructor = m.name.equals("<init>");
                if ((constructor && allConstructors) || (!constructor && allMethods && !m.name.equals("<clinit>")) || named.contains(m.name)) {
                    reach(cls, m.name, m.desc, origin);
                }
            }
        }
    }

    /** Providers of the service files the image includes as resources. */
    private void services(String resourceConfig) throws IOException {
        List<Pattern> includes = new ArrayList<>();
        Matcher m = Pattern.compile("\"pattern\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(resourceConfig);
        while (m.find()) {
            includes.add(Pattern.compile(m.group(1).replace("\\\\", "\\")));
        }
        for (Map.Entry<String, ZipFile> jar : jars.entrySet()) {
            for (var e = jar.getValue().entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (!name.startsWith("META-INF/services/") || entry.isDirectory()
                        || includes.stream().noneMatch(p -> p.matcher(name).matches())) {
                    continue;
                }
                String origin = "<" + jar.getKey() + "!/" + name + ">";
                try (InputStream in = jar.getValue().getInputStream(entry)) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        String provider = line.replaceAll("#.*", "").trim();
                        if (provider.isEmpty()) {
                            continue;
                        }
                        String cls = provider.replace('.', '/');
                        if (require(cls, origin)) {
                            instantiate(cls, origin);
                            reach(cls, "<init>", "()V", origin);
                        }
                    }
                }
            }
        }
    }

    // ---- reachability -----------------------------------------------------------------------------------

    /** False (and recorded) when the class is missing, or one of its supertypes is. */
    private boolean require(String cls, String from) {
        if (cls.startsWith("[")) {
            cls = cls.replaceAll("^\\[+", "");
            if (!cls.startsWith("L")) {
                return true;
            }
            cls = cls.substring(1, cls.length() - 1);
        }
        if (jdk.contains(cls)) {
            return true;
        }
        if (!entries.containsKey(cls)) {
            missing.computeIfAbsent(cls, k -> new TreeSet<>()).add(from);
            return false;
        }
        if (checkedSupers.add(cls)) {
            ClassModel c = model(cls);
            if (c.superName != null) {
                require(c.superName, cls + " (its superclass)");
            }
            for (String i : c.interfaces) {
                require(i, cls + " (its interface)");
            }
        }
        return true;
    }

    private void initialise(String cls, String from) {
        if (!require(cls, from) || jdk.contains(cls) || !initialised.add(cls)) {
            return;
        }
        ClassModel c = model(cls);
        if (c.superName != null) {
            initialise(c.superName, from);
        }
        if (c.methods.containsKey("<clinit>()V")) {
            reach(cls, "<clinit>", "()V", from);
        }
    }

    private void instantiate(String cls, String from) {
        initialise(cls, from);
        if (jdk.contains(cls) || !entries.containsKey(cls) || !instantiated.add(cls)) {
            return;
        }
        ClassModel c = model(cls);
        if ((c.access & 0x0600) != 0) { // interface or abstract: never allocated itself
            return;
        }
        Set<String> jdkSigs = new HashSet<>();
        Set<String> ownSigs = new HashSet<>();
        hierarchySignatures(cls, ownSigs, jdkSigs, new HashSet<>());
        for (String sig : ownSigs) {
            instantiatedBySig.computeIfAbsent(sig, k -> new ArrayList<>()).add(cls);
            Set<String> owners = virtualCalls.get(sig);
            boolean called = jdkSigs.contains(sig);
            if (!called && owners != null) {
                for (String owner : owners) {
                    if (isSubtype(cls, owner)) {
                        called = true;
                        break;
                    }
                }
            }
            if (called) {
                dispatch(cls, sig, from);
            }
        }
    }

    /** Non-static, non-private method signatures of a class's hierarchy, split into ours and the JDK's. */
    private void hierarchySignatures(String cls, Set<String> own, Set<String> jdkSigs, Set<String> seen) {
        if (cls == null || !seen.add(cls)) {
            return;
        }
        ClassModel c = model(cls);
        if (c == null) {
            return;
        }
        for (MethodModel m : c.methods.values()) {
            if ((m.access & 0x000A) == 0 && !m.name.startsWith("<")) {
                (jdk.contains(cls) ? jdkSigs : own).add(m.name + m.desc);
            }
        }
        hierarchySignatures(c.superName, own, jdkSigs, seen);
        for (String i : c.interfaces) {
            hierarchySignatures(i, own, jdkSigs, seen);
        }
    }

    private void virtualCall(String owner, String name, String desc, String from) {
        String sig = name + desc;
        if (!virtualCalls.computeIfAbsent(sig, k -> new HashSet<>()).add(owner)) {
            return;
        }
        for (String cls : instantiatedBySig.getOrDefault(sig, List.of())) {
            if (isSubtype(cls, owner)) {
                dispatch(cls, sig, from);
            }
        }
    }

    /** The implementation a virtual call of sig on an instance of cls runs (none walked if the JDK's). */
    private void dispatch(String cls, String sig, String from) {
        for (String c = cls; c != null; ) {
            ClassModel m = model(c);
            if (m == null || jdk.contains(c)) {
                return;
            }
            MethodModel method = m.methods.get(sig);
            if (method != null && (method.access & 0x0408) == 0) {
                reach(c, method.name, method.desc, from);
                return;
            }
            c = m.superName;
        }
        String impl = defaultMethod(cls, sig, new HashSet<>());
        if (impl != null) {
            int paren = sig.indexOf('(');
            reach(impl, sig.substring(0, paren), sig.substring(paren), from);
        }
    }

    private String defaultMethod(String cls, String sig, Set<String> seen) {
        ClassModel c = model(cls);
        if (c == null || jdk.contains(cls) || !seen.add(cls)) {
            return null;
        }
        for (String i : c.interfaces) {
            ClassModel im = model(i);
            if (im != null && !jdk.contains(i)) {
                MethodModel m = im.methods.get(sig);
                if (m != null && (m.access & 0x0408) == 0) {
                    return i;
                }
            }
            String found = defaultMethod(i, sig, seen);
            if (found != null) {
                return found;
            }
        }
        return c.superName == null ? null : defaultMethod(c.superName, sig, seen);
    }

    private final Map<String, Set<String>> supertypes = new HashMap<>();

    private boolean isSubtype(String cls, String of) {
        return cls.equals(of) || "java/lang/Object".equals(of) || supertypes(cls).contains(of);
    }

    private Set<String> supertypes(String cls) {
        Set<String> known = supertypes.get(cls);
        if (known != null) {
            return known;
        }
        Set<String> all = new HashSet<>();
        ClassModel c = model(cls);
        if (c != null) {
            if (c.superName != null) {
                all.add(c.superName);
                all.addAll(supertypes(c.superName));
            }
            for (String i : c.interfaces) {
                all.add(i);
                all.addAll(supertypes(i));
            }
        }
        supertypes.put(cls, all);
        return all;
    }

    private void reach(String owner, String name, String desc, String from) {
        String id = owner + "." + name + desc;
        if (reachedMethods.add(id)) {
            reachedFrom.put(id, from);
            work.add(new String[] {owner, name, desc, id});
        }
    }

    private void drain() {
        while (!work.isEmpty()) {
            String[] next = work.poll();
            walk(next[0], next[1], next[2], next[3]);
        }
    }

    /** The declaring class of a method a static or special call resolves to, or null if none declares it. */
    private String resolve(String owner, String sig) {
        for (String c = owner; c != null; ) {
            ClassModel m = model(c);
            if (m == null) {
                return null;
            }
            if (m.methods.containsKey(sig)) {
                return c;
            }
            c = m.superName;
        }
        return declaredInInterfaces(owner, sig, new HashSet<>());
    }

    private String declaredInInterfaces(String cls, String sig, Set<String> seen) {
        ClassModel c = model(cls);
        if (c == null || !seen.add(cls)) {
            return null;
        }
        for (String i : c.interfaces) {
            ClassModel im = model(i);
            if (im != null && im.methods.containsKey(sig)) {
                return i;
            }
            String found = declaredInInterfaces(i, sig, seen);
            if (found != null) {
                return found;
            }
        }
        return c.superName == null ? null : declaredInInterfaces(c.superName, sig, seen);
    }

    /** What a reachable method's reachable instructions name. */
    private void walk(String owner, String name, String desc, String id) {
        if (jdk.contains(owner) || !entries.containsKey(owner)) {
            return;
        }
        ClassModel declaring = model(owner);
        MethodModel method = declaring.methods.get(name + desc);
        String[] substitute = substitutions.get(owner + "." + name + desc);
        ClassModel bodyClass = declaring;
        if (substitute != null) {
            bodyClass = model(substitute[0]);
            method = bodyClass.methods.get(substitute[1]);
        }
        if (method == null || method.code == null) {
            return;
        }
        byte[] code = method.code;
        Cp cp = bodyClass.cp;
        boolean[] reached = reachableInstructions(method, cp);
        for (int pc = 0; pc < code.length; pc = next(code, pc)) {
            if (!reached[pc]) {
                continue;
            }
            int op = code[pc] & 0xff;
            switch (op) {
                case 0xbb -> instantiate(as(bodyClass, cp.className(u2(code, pc + 1))), id); // new
                case 0xbd, 0xc0, 0xc1, 0xc5 -> require(as(bodyClass, cp.className(u2(code, pc + 1))), id); // anewarray, checkcast, instanceof, multianewarray
                case 0x12, 0x13 -> { // ldc, ldc_w
                    int index = op == 0x12 ? code[pc + 1] & 0xff : u2(code, pc + 1);
                    if (cp.tag[index] == 7) {
                        require(as(bodyClass, cp.className(index)), id);
                    }
                }
                case 0xb2, 0xb3, 0xb4, 0xb5 -> { // get/put static/field
                    String[] ref = cp.member(u2(code, pc + 1));
                    String fieldOwner = as(bodyClass, ref[0]);
                    if (op <= 0xb3) {
                        initialise(fieldOwner, id);
                    } else {
                        require(fieldOwner, id);
                    }
                }
                case 0xb6, 0xb7, 0xb8, 0xb9 -> invoke(op, cp.member(u2(code, pc + 1)), bodyClass, id);
                case 0xba -> indy(bodyClass, u2(code, pc + 1), id);
                default -> {
                }
            }
        }
        for (int[] handler : method.handlers) {
            if (handler[3] != 0 && reached[handler[2]]) {
                require(as(bodyClass, cp.className(handler[3])), id);
            }
        }
    }

    private void invoke(int op, String[] ref, ClassModel bodyClass, String from) {
        String owner = as(bodyClass, ref[0]);
        if (owner.startsWith("[")) {
            require(owner, from); // clone() of an array
            return;
        }
        if (!require(owner, from)) {
            return;
        }
        String desc = bodyClass.targetClass == null ? ref[2] : translate(ref[2]);
        ref = new String[] {owner, ref[1], desc};
        String sig = ref[1] + ref[2];
        String declaring = resolve(owner, sig);
        if (declaring == null) {
            return; // a JDK method (not indexed per JDK version), a signature-polymorphic call, or version skew
        }
        switch (op) {
            case 0xb8 -> { // invokestatic
                initialise(owner, from);
                reach(declaring, ref[1], ref[2], from);
            }
            case 0xb7 -> reach(declaring, ref[1], ref[2], from); // invokespecial: constructor, private, super
            default -> virtualCall(owner, ref[1], ref[2], from);
        }
    }

    /** invokedynamic: the bootstrap method's arguments (lambda bodies, record accessors, class constants). */
    private void indy(ClassModel c, int index, String from) {
        int bsm = c.cp.u2a[index];
        int[] args = c.bootstrapArgs.get(bsm);
        int[] handleAndArgs = new int[args.length + 1];
        handleAndArgs[0] = c.bootstrapHandles.get(bsm);
        System.arraycopy(args, 0, handleAndArgs, 1, args.length);
        for (int a : handleAndArgs) {
            if (c.cp.tag[a] == 15) {
                int kind = c.cp.u1a[a];
                String[] ref = c.cp.member(c.cp.u2a[a]);
                String owner = as(c, ref[0]);
                if (!require(owner, from)) {
                    continue;
                }
                switch (kind) {
                    case 1, 2, 3, 4 -> require(owner, from); // field handles
                    case 6 -> invoke(0xb8, new String[] {owner, ref[1], ref[2]}, c, from);
                    case 8 -> {
                        instantiate(owner, from);
                        invoke(0xb7, new String[] {owner, ref[1], ref[2]}, c, from);
                    }
                    case 7 -> invoke(0xb7, new String[] {owner, ref[1], ref[2]}, c, from);
                    default -> invoke(0xb6, new String[] {owner, ref[1], ref[2]}, c, from);
                }
            } else if (c.cp.tag[a] == 7) {
                require(as(c, c.cp.className(a)), from);
            }
        }
    }

    /** A name in a substitution class's body stands for its target. */
    private String as(ClassModel bodyClass, String name) {
        String target = substitutionTargets.get(name);
        return target != null && bodyClass.targetClass != null ? target : name;
    }

    /**
     * Which instructions of a method run, following branches; a static call to a method whose body is only
     * a boolean constant followed by ifeq/ifne takes only the branch that constant selects.
     */
    private boolean[] reachableInstructions(MethodModel method, Cp cp) {
        byte[] code = method.code;
        boolean[] reached = new boolean[code.length];
        Deque<Integer> todo = new ArrayDeque<>();
        todo.add(0);
        boolean progress = true;
        while (progress) {
            while (!todo.isEmpty()) {
                int pc = todo.poll();
                while (pc < code.length && !reached[pc]) {
                    reached[pc] = true;
                    int op = code[pc] & 0xff;
                    int next = next(code, pc);
                    if (op == 0xb8 && next < code.length && ((code[next] & 0xff) == 0x99 || (code[next] & 0xff) == 0x9a)) {
                        Integer constant = constantBoolean(cp.member(u2(code, pc + 1)));
                        if (constant != null) {
                            reached[next] = true;
                            boolean jump = ((code[next] & 0xff) == 0x99) == (constant == 0);
                            pc = jump ? next + (short) u2(code, next + 1) : next(code, next);
                            continue;
                        }
                    }
                    if (op >= 0x99 && op <= 0xa8 || op == 0xc6 || op == 0xc7) {
                        todo.add(pc + (short) u2(code, pc + 1));
                        if (op == 0xa7) {
                            break;
                        }
                    } else if (op == 0xc8 || op == 0xc9) {
                        todo.add(pc + s4(code, pc + 1));
                        if (op == 0xc8) {
                            break;
                        }
                    } else if (op == 0xaa || op == 0xab) {
                        int p = (pc + 4) & ~3;
                        todo.add(pc + s4(code, p));
                        if (op == 0xaa) {
                            int low = s4(code, p + 4);
                            int high = s4(code, p + 8);
                            for (int i = 0; i <= high - low; i++) {
                                todo.add(pc + s4(code, p + 12 + 4 * i));
                            }
                        } else {
                            int pairs = s4(code, p + 4);
                            for (int i = 0; i < pairs; i++) {
                                todo.add(pc + s4(code, p + 12 + 8 * i));
                            }
                        }
                        break;
                    } else if ((op >= 0xac && op <= 0xb1) || op == 0xbf || op == 0xa9) {
                        break;
                    }
                    pc = next;
                }
            }
            progress = false;
            for (int[] h : method.handlers) {
                if (!reached[h[2]]) {
                    for (int pc = h[0]; pc < h[1]; pc++) {
                        if (reached[pc]) {
                            todo.add(h[2]);
                            progress = true;
                            break;
                        }
                    }
                }
            }
        }
        return reached;
    }

    /** 0 or 1 when a static method's (substituted) body is only {@code iconst_0|1; ireturn}. */
    private Integer constantBoolean(String[] ref) {
        String owner = ref[0];
        if (!ref[2].endsWith(")Z") || jdk.contains(owner) || !entries.containsKey(owner)) {
            return null;
        }
        String declaring = resolve(owner, ref[1] + ref[2]);
        if (declaring == null) {
            return null;
        }
        ClassModel c = model(declaring);
        MethodModel m = c.methods.get(ref[1] + ref[2]);
        String[] substitute = substitutions.get(declaring + "." + ref[1] + ref[2]);
        if (substitute != null) {
            m = model(substitute[0]).methods.get(substitute[1]);
        }
        if (m == null || m.code == null || m.code.length != 2 || (m.code[1] & 0xff) != 0xac) {
            return null;
        }
        int op = m.code[0] & 0xff;
        return op == 0x03 ? Integer.valueOf(0) : op == 0x04 ? Integer.valueOf(1) : null;
    }

    // ---- substitutions ----------------------------------------------------------------------------------

    private void readSubstitutions() throws IOException {
        byte[] marker = TARGET_CLASS.getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<String, String[]> e : entries.entrySet()) {
            byte[] bytes = bytes(e.getValue());
            if (!contains(bytes, marker)) {
                continue;
            }
            ClassModel s = model(e.getKey());
            if (s == null || s.targetClass == null) {
                continue;
            }
            substitutionTargets.put(s.name, s.targetClass);
        }
        for (String sName : substitutionTargets.keySet()) {
            ClassModel s = model(sName);
            for (MethodModel m : s.methods.values()) {
                if (s.wholeClassSubstitute || m.annotations.contains(SUBSTITUTE) || m.annotations.contains(DELETE)) {
                    String desc = translate(m.desc);
                    substitutions.put(s.targetClass + "." + m.name + desc, new String[] {sName, m.name + m.desc});
                }
            }
        }
    }

    /** A substitute's descriptor with substitution classes named as their targets. */
    private String translate(String desc) {
        Matcher m = Pattern.compile("L([^;]+);").matcher(desc);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement("L" + substitutionTargets.getOrDefault(m.group(1), m.group(1)) + ";"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private boolean isHostedOnly(ClassModel c) {
        return supertypes(c.name).contains(FEATURE);
    }

    // ---- class files ------------------------------------------------------------------------------------

    private byte[] bytes(String[] where) throws IOException {
        ZipFile zip = jars.get(where[0]);
        try (InputStream in = zip.getInputStream(zip.getEntry(where[1]))) {
            return in.readAllBytes();
        }
    }

    private ClassModel model(String cls) {
        if (models.containsKey(cls)) {
            return models.get(cls);
        }
        ClassModel c = null;
        try {
            String[] where = entries.get(cls);
            if (where != null) {
                c = ClassModel.parse(bytes(where));
            } else if (jdk.contains(cls)) {
                c = ClassModel.parse(Files.readAllBytes(jdk.path(cls)));
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + cls + ": " + e, e);
        }
        models.put(cls, c);
        return c;
    }

    static final class Cp {
        byte[] tag;
        String[] utf;
        int[] u1a;
        int[] u2a;
        int[] u2b;

        String className(int index) {
            return utf[u2a[index]];
        }

        /** owner, name, descriptor of a field or method reference. */
        String[] member(int index) {
            int nat = u2b[index];
            return new String[] {className(u2a[index]), utf[u2a[nat]], utf[u2b[nat]]};
        }
    }

    static final class MethodModel {
        int access;
        String name;
        String desc;
        byte[] code;
        List<int[]> handlers = List.of();
        Set<String> annotations = Set.of();
    }

    static final class ClassModel {
        int access;
        String name;
        String superName;
        List<String> interfaces = new ArrayList<>();
        Set<String> fields = new HashSet<>();
        Map<String, MethodModel> methods = new LinkedHashMap<>();
        Cp cp = new Cp();
        List<Integer> bootstrapHandles = new ArrayList<>();
        List<int[]> bootstrapArgs = new ArrayList<>();
        String targetClass;
        boolean wholeClassSubstitute;

        static ClassModel parse(byte[] bytes) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            ClassModel c = new ClassModel();
            in.readInt();
            in.readUnsignedShort();
            in.readUnsignedShort();
            int n = in.readUnsignedShort();
            Cp cp = c.cp;
            cp.tag = new byte[n];
            cp.utf = new String[n];
            cp.u1a = new int[n];
            cp.u2a = new int[n];
            cp.u2b = new int[n];
            for (int i = 1; i < n; i++) {
                int tag = in.readUnsignedByte();
                cp.tag[i] = (byte) tag;
                switch (tag) {
                    case 1 -> cp.utf[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> cp.u2a[i] = in.readUnsignedShort();
                    case 9, 10, 11, 12, 17, 18 -> {
                        cp.u2a[i] = in.readUnsignedShort();
                        cp.u2b[i] = in.readUnsignedShort();
                    }
                    case 15 -> {
                        cp.u1a[i] = in.readUnsignedByte();
                        cp.u2a[i] = in.readUnsignedShort();
                    }
                    default -> throw new IOException("constant pool tag " + tag);
                }
            }
            c.access = in.readUnsignedShort();
            c.name = cp.className(in.readUnsignedShort());
            int superIndex = in.readUnsignedShort();
            c.superName = superIndex == 0 ? null : cp.className(superIndex);
            int interfaces = in.readUnsignedShort();
            for (int i = 0; i < interfaces; i++) {
                c.interfaces.add(cp.className(in.readUnsignedShort()));
            }
            int fields = in.readUnsignedShort();
            for (int i = 0; i < fields; i++) {
                in.readUnsignedShort();
                c.fields.add(cp.utf[in.readUnsignedShort()]);
                in.readUnsignedShort();
                skipAttributes(in);
            }
            int methods = in.readUnsignedShort();
            for (int i = 0; i < methods; i++) {
                MethodModel m = new MethodModel();
                m.access = in.readUnsignedShort();
                m.name = cp.utf[in.readUnsignedShort()];
                m.desc = cp.utf[in.readUnsignedShort()];
                int attributes = in.readUnsignedShort();
                for (int a = 0; a < attributes; a++) {
                    String attr = cp.utf[in.readUnsignedShort()];
                    int length = in.readInt();
                    byte[] data = in.readNBytes(length);
                    if (attr.equals("Code")) {
                        DataInputStream code = new DataInputStream(new ByteArrayInputStream(data));
                        code.readUnsignedShort();
                        code.readUnsignedShort();
                        m.code = code.readNBytes(code.readInt());
                        int handlers = code.readUnsignedShort();
                        m.handlers = new ArrayList<>();
                        for (int h = 0; h < handlers; h++) {
                            m.handlers.add(new int[] {code.readUnsignedShort(), code.readUnsignedShort(), code.readUnsignedShort(),
                                    code.readUnsignedShort()});
                        }
                    } else if (attr.equals("RuntimeVisibleAnnotations") || attr.equals("RuntimeInvisibleAnnotations")) {
                        Map<String, Map<String, String>> annotations = annotations(data, cp);
                        m.annotations = new HashSet<>(m.annotations);
                        m.annotations.addAll(annotations.keySet());
                    }
                }
                c.methods.put(m.name + m.desc, m);
            }
            int attributes = in.readUnsignedShort();
            for (int a = 0; a < attributes; a++) {
                String attr = cp.utf[in.readUnsignedShort()];
                byte[] data = in.readNBytes(in.readInt());
                if (attr.equals("BootstrapMethods")) {
                    DataInputStream b = new DataInputStream(new ByteArrayInputStream(data));
                    int count = b.readUnsignedShort();
                    for (int i = 0; i < count; i++) {
                        c.bootstrapHandles.add(b.readUnsignedShort());
                        int[] args = new int[b.readUnsignedShort()];
                        for (int j = 0; j < args.length; j++) {
                            args[j] = b.readUnsignedShort();
                        }
                        c.bootstrapArgs.add(args);
                    }
                } else if (attr.equals("RuntimeVisibleAnnotations") || attr.equals("RuntimeInvisibleAnnotations")) {
                    Map<String, Map<String, String>> annotations = annotations(data, cp);
                    Map<String, String> target = annotations.get(TARGET_CLASS);
                    if (target != null) {
                        String name = target.getOrDefault("className", "");
                        if (name.isEmpty() && target.containsKey("value")) {
                            String d = target.get("value");
                            name = d.substring(1, d.length() - 1).replace('/', '.');
                        }
                        if (!name.isEmpty()) {
                            String inner = target.get("innerClass");
                            c.targetClass = name.replace('.', '/') + (inner == null ? "" : "$" + inner);
                        }
                    }
                    c.wholeClassSubstitute |= annotations.containsKey(SUBSTITUTE);
                }
            }
            return c;
        }

        private static void skipAttributes(DataInputStream in) throws IOException {
            int attributes = in.readUnsignedShort();
            for (int a = 0; a < attributes; a++) {
                in.readUnsignedShort();
                in.skipNBytes(in.readInt());
            }
        }

        /** Annotation type -> its simple string/class elements (arrays: their first string). */
        private static Map<String, Map<String, String>> annotations(byte[] data, Cp cp) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            Map<String, Map<String, String>> out = new HashMap<>();
            int count = in.readUnsignedShort();
            for (int i = 0; i < count; i++) {
                String type = cp.utf[in.readUnsignedShort()];
                Map<String, String> values = new HashMap<>();
                int pairs = in.readUnsignedShort();
                for (int p = 0; p < pairs; p++) {
                    String name = cp.utf[in.readUnsignedShort()];
                    String value = elementValue(in, cp);
                    if (value != null) {
                        values.put(name, value);
                    }
                }
                out.put(type, values);
            }
            return out;
        }

        private static String elementValue(DataInputStream in, Cp cp) throws IOException {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 's', 'c' -> {
                    return cp.utf[in.readUnsignedShort()];
                }
                case 'e' -> {
                    in.readUnsignedShort();
                    in.readUnsignedShort();
                    return null;
                }
                case '@' -> {
                    in.readUnsignedShort();
                    int pairs = in.readUnsignedShort();
                    for (int p = 0; p < pairs; p++) {
                        in.readUnsignedShort();
                        elementValue(in, cp);
                    }
                    return null;
                }
                case '[' -> {
                    int n = in.readUnsignedShort();
                    String first = null;
                    for (int i = 0; i < n; i++) {
                        String v = elementValue(in, cp);
                        first = first == null ? v : first;
                    }
                    return first;
                }
                default -> {
                    in.readUnsignedShort();
                    return null;
                }
            }
        }
    }

    // ---- bytecode helpers -------------------------------------------------------------------------------

    /** Instruction lengths by opcode (0 = variable: tableswitch, lookupswitch, wide). */
    private static final int[] LENGTH = new int[256];

    static {
        Arrays.fill(LENGTH, 1);
        LENGTH[0x10] = 2;
        LENGTH[0x11] = 3;
        LENGTH[0x12] = 2;
        LENGTH[0x13] = 3;
        LENGTH[0x14] = 3;
        for (int op = 0x15; op <= 0x19; op++) {
            LENGTH[op] = 2;
        }
        for (int op = 0x36; op <= 0x3a; op++) {
            LENGTH[op] = 2;
        }
        LENGTH[0x84] = 3;
        for (int op = 0x99; op <= 0xa8; op++) {
            LENGTH[op] = 3;
        }
        LENGTH[0xa9] = 2;
        LENGTH[0xaa] = 0;
        LENGTH[0xab] = 0;
        for (int op = 0xb2; op <= 0xb8; op++) {
            LENGTH[op] = 3;
        }
        LENGTH[0xb9] = 5;
        LENGTH[0xba] = 5;
        LENGTH[0xbb] = 3;
        LENGTH[0xbc] = 2;
        LENGTH[0xbd] = 3;
        LENGTH[0xc0] = 3;
        LENGTH[0xc1] = 3;
        LENGTH[0xc4] = 0;
        LENGTH[0xc5] = 4;
        LENGTH[0xc6] = 3;
        LENGTH[0xc7] = 3;
        LENGTH[0xc8] = 5;
        LENGTH[0xc9] = 5;
    }

    private static int next(byte[] code, int pc) {
        int op = code[pc] & 0xff;
        if (LENGTH[op] != 0) {
            return pc + LENGTH[op];
        }
        if (op == 0xc4) {
            return pc + ((code[pc + 1] & 0xff) == 0x84 ? 6 : 4);
        }
        int p = (pc + 4) & ~3;
        if (op == 0xaa) {
            return p + 12 + 4 * (s4(code, p + 8) - s4(code, p + 4) + 1);
        }
        return p + 8 + 8 * s4(code, p + 4);
    }

    private static int u2(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    private static int s4(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    // ---- report -----------------------------------------------------------------------------------------

    /** How a reachable method was reached, root first (at most 12 steps). */
    private String path(String method) {
        List<String> chain = new ArrayList<>();
        for (String m = method; m != null && chain.size() < 12; m = reachedFrom.get(m)) {
            chain.add(m.replace('/', '.'));
            if (m.startsWith("<")) {
                break;
            }
        }
        Collections.reverse(chain);
        return String.join("\n           -> ", chain);
    }

    /** The objects of a JSON array of objects (reflect-config.json's shape), as text. */
    private static List<String> topLevelObjects(String json) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = -1;
        boolean string = false;
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (string) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    string = false;
                }
                continue;
            }
            if (ch == '"') {
                string = true;
            } else if (ch == '{') {
                if (depth++ == 0) {
                    start = i;
                }
            } else if (ch == '}') {
                if (--depth == 0) {
                    out.add(json.substring(start, i + 1).replaceAll("\\s+", ""));
                }
            }
        }
        return out;
    }

    /** The allow-list: a class name, a class.member, or a prefix ending in '*', then '#' and why it is safe. */
    private static Map<String, String> readAllowList(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int hash = t.indexOf('#');
            if (hash < 0 || t.substring(hash + 1).isBlank()) {
                throw new IllegalArgumentException(file + ": every entry needs '# why it is safe': " + t);
            }
            out.put(t.substring(0, hash).trim(), t.substring(hash + 1).trim());
        }
        return out;
    }

    private static String allowedBy(Map<String, String> allow, String found) {
        String name = found.replace('/', '.');
        for (String rule : allow.keySet()) {
            if (rule.endsWith("*") ? name.startsWith(rule.substring(0, rule.length() - 1)) : name.equals(rule)) {
                return rule;
            }
        }
        return null;
    }
}
