package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Where a listing of threads stopped: the order key of the last thread it examined. Threads are ordered by
 * {@code (activity bucket, thread id)}, both descending — the bucket is the head's time rounded down to the
 * store's granularity — and the next page starts strictly after this key. Opaque to callers (base64url of
 * {@code v1:<bucket millis>:<thread id>}); one that is not well formed is {@code INVALID_INPUT} with
 * {@code details.field} {@code cursor}.
 */
public record ThreadCursor(long bucketMillis, String threadId) implements Comparable<ThreadCursor> {

    private static final String VERSION = "v1:";

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + bucketMillis + ":" + threadId).getBytes(StandardCharsets.UTF_8));
    }

    public static ThreadCursor parse(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith(VERSION)) {
                int colon = text.indexOf(':', VERSION.length());
                long bucket = Long.parseLong(text.substring(VERSION.length(), colon));
                String thread = text.substring(colon + 1);
                if (bucket >= 0 && ThreadKey.ID.matcher(thread).matches()) {
                    return new ThreadCursor(bucket, thread);
                }
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // falls through to the refusal: NumberFormatException is an IllegalArgumentException
        }
        throw new ThreadlineException(ErrorCode.INVALID_INPUT, "threads cursor '" + cursor
                + "' is not one a listing issued; pass back nextCursor as given, or leave it out for the first page",
                Map.of("field", "cursor"));
    }

    /** Listing order: newest bucket first, then thread id descending. */
    @Override
    public int compareTo(ThreadCursor o) {
        int byBucket = Long.compare(o.bucketMillis, bucketMillis);
        return byBucket != 0 ? byBucket : o.threadId.compareTo(threadId);
    }
}
