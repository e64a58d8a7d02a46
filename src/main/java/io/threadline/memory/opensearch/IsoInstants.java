package io.threadline.memory.opensearch;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads back the times a memory's document holds, which {@link Instant#toString} wrote
 * ({@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}), without {@code DateTimeFormatter}: a search turns 40 candidates' three
 * times each into instants, and {@link Instant#parse} was a sixth of a search's client CPU (bench/README.md, W2
 * "Session 35"). Any other text — another form, a year past 9999, a leap second, an impossible date — is given to
 * {@link Instant#parse}, so the answer (or the error) is always {@link Instant#parse}'s.
 */
final class IsoInstants {

    private static final int[] SCALE = {0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1};

    private IsoInstants() {
    }

    static Instant parse(String text) {
        int n = text.length();
        if (n < 20 || n > 30 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
                || text.charAt(16) != ':' || text.charAt(n - 1) != 'Z' || n > 20 && (text.charAt(19) != '.' || n == 21)) {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int fraction = n > 20 ? digits(text, 20, n - 1) : 0;
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
                || fraction < 0) {
            return Instant.parse(text);
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return Instant.parse(text);
        }
        int nanos = n > 20 ? fraction * SCALE[n - 21] : 0;
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal number in {@code text[from, to)}, or -1 if a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
