package io.threadline.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

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
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * CPU nanoseconds of every live Java thread of this JVM except the calling one (the SDK's timer threads, telemetry's
     * exporters, an HTTP client's reaper, ...), by thread id: read around a measured block, with the calling thread's own
     * CPU, it gives the block's CPU on all threads ({@link #cpuBetween}), so work moved off the calling thread is not
     * counted as a gain. The JIT compiler and GC threads are not Java threads and are not in it (the JIT still compiles
     * during a W1 run).
     */
    static java.util.Map<Long, Long> otherThreadsCpu() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            if (id != self) {
                put(out, id, threads.getThreadCpuTime(id));
            }
        }
        return out;
    }

    /** {@link #otherThreadsCpu()} of the threads whose name passes {@code named}. */
    static java.util.Map<Long, Long> otherThreadsCpu(java.util.function.Predicate<String> named) {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadId() != self && named.test(info.getThreadName())) {
                put(out, info.getThreadId(), threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return out;
    }

    private static void put(java.util.Map<Long, Long> out, long id, long cpu) {
        if (cpu >= 0) { // -1: the thread ended since its id was listed
            out.put(id, cpu);
        }
    }

    /**
     * CPU nanoseconds the threads of {@code after} spent since {@code before}, summed per thread id: a thread started in
     * between counts from 0; a thread that ended in between is left out (its CPU in the window is lost, a few µs for an
     * idle pool thread, but its whole lifetime's CPU is not subtracted from the others', as a difference of sums would).
     */
    static long cpuBetween(java.util.Map<Long, Long> before, java.util.Map<Long, Long> after) {
        long sum = 0;
        for (java.util.Map.Entry<Long, Long> e : after.entrySet()) {
            sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }

    /** CPU nanoseconds of every live Java thread but the calling one, by thread name (see {@link #otherThreadsCpu}). */
    static java.util.Map<String, Long> otherThreadsCpuByName() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
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
    static String busiest(java.util.Map<String, Long> before, java.util.Map<String, Long> after, long per) {
        return after.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
                .map(e -> String.format(java.util.Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1000.0 / per))
                .collect(java.util.stream.Collectors.joining(", "));
    }
}
