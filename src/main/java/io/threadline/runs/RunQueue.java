package io.threadline.runs;

/**
 * Where a background run's next step waits to be picked up: in AWS a FIFO SQS queue whose event source
 * mapping feeds the {@code advance} function (io.threadline.runs.sqs); the thread is the message group, so a
 * thread's messages are handled one at a time, in order. A message is delivered at least once; the worker
 * makes every delivery after the first change nothing.
 *
 * <p>No per-message delay: FIFO queues take none. A step that must wait a short while (a timed wait) is
 * delivered at once and handed back to the queue, invisible until its wake time ({@link Advance#deferFor}).
 */
public interface RunQueue {

    /** Sends one message. Throws {@code DEPENDENCY_UNAVAILABLE} when the queue does not take it. */
    void send(RunMessage message);
}
