package io.threadline.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** The facts about the machine and JVM every benchmark prints first. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        Runtime rt = Runtime.getRuntime();
        return String.format("machine: %d cores, %s; JVM: %s %s; heap: %d MiB max, args %s",
                rt.availableProcessors(), cpuModel(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                rt.maxMemory() >> 20, ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (Exception e) {
            return "unknown CPU";
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * CPU nanoseconds of every live Java thread of this JVM except the calling one (the SDK's timer threads, telemetry's
     * exporters, an HTTP client's reaper, ...), by thread id: read around a measured block, with the calling thread's own
     * CPU, it gives the block's CPU on all threads ({@link #cpuBetween}), so work moved off the calling thread is not
     * counted as a gain. The JIT compiler and GC threads are not Java threads and are not in it (the JIT still compiles
     * during a W1 run).
     */
    static Map<Long, Long> otherThreadsCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        Map<Long, Long> out = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            if (id != self) {
                put(out, id, threads.getThreadCpuTime(id));
            }
        }
        return out;
    }

    /** {@link #otherThreadsCpu()} of the threads whose name passes {@code named}. */
    static Map<Long, Long> otherThreadsCpu(Predicate<String> named) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        Map<Long, Long> out = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadId() != self && named.test(info.getThreadName())) {
                put(out, info.getThreadId(), threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return out;
    }

    private static void put(Map<Long, Long> out, long id, long cpu) {
        if (cpu >= 0) { // -1: the thread ended since its id was listed
            out.put(id, cpu);
        }
    }

    /**
     * CPU nanoseconds the threads of {@code after} spent since {@code before}, summed per thread id: a thread started in
     * between counts from 0; a thread that ended in between is left out (its CPU in the window is lost, a few µs for an
     * idle pool thread, but its whole lifetime's CPU is not subtracted from the others', as a difference of sums would).
     */
    static long cpuBetween(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }

    /** CPU nanoseconds of every live Java thread but the calling one, by thread name (see {@link #otherThreadsCpu}). */
    static Map<String, Long> otherThreadsCpuByName() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        Map<String, Long> out = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadId() != self) {
                long t = threads.getThreadCpuTime(info.getThreadId());
                if (t > 0) {
                    out.merge(info.getThreadName() + "#" + info.getThreadId(), t, Long::sum);
                }
            }
        }
        return out;
    }

    /** The threads whose CPU grew most between two {@link #otherThreadsCpuByName} readings, µs per {@code per}. */
    static String busiest(Map<String, Long> before, Map<String, Long> after, long per) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1000.0 / per))
                .collect(Collectors.joining(", "));
    }
}
