package io.threadline.runs;

import java.net.URI;
import java.time.Clock;

/**
 * A worker process for {@code BackgroundRunKillTest}: the run stack of {@link RunHarness} polling the queue until
 * it is killed. Arguments: DynamoDB endpoint, table, SQS endpoint, queue URL.
 */
public final class WorkerMain {

    public static void main(String[] args) throws InterruptedException {
        RunHarness harness = new RunHarness(URI.create(args[0]), args[1], URI.create(args[2]), args[3], Clock.systemUTC());
        harness.poll(args[3], 2);
        System.out.println("worker polling");
        Thread.currentThread().join();
    }

    private WorkerMain() {
    }
}
