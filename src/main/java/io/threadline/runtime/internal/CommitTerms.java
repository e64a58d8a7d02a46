package io.threadline.runtime.internal;

import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.RunGuard;
import io.threadline.checkpoint.ThreadTags;

/**
 * What travels with a step down to its commit besides what the step made: the tags of a thread the commit creates,
 * and the run guard a background run's commit is conditional on. Passed along the append path as a value (not held
 * beside the call) so every commit a step makes — a retry on a reloaded head included — carries exactly what its
 * caller asked for.
 *
 * @param tags  the thread's tags if the commit creates it (ignored on a thread that has steps); never null
 * @param guard the run whose record must still be the thread's when the commit lands ({@link RunGuard}); null for none
 */
public record CommitTerms(ThreadTags tags, RunGuard guard) {

    /** A plain commit: no tags, no guard. */
    public static final CommitTerms NONE = new CommitTerms(ThreadTags.none(), null);

    public CommitTerms {
        tags = tags == null ? ThreadTags.none() : tags;
    }

    /** A commit that gives the thread {@code tags} if it creates it. */
    public static CommitTerms creatingWith(ThreadTags tags) {
        return tags == null || tags.isEmpty() ? NONE : new CommitTerms(tags, null);
    }

    /** A background run's commit, conditional on {@code guard} as well. */
    public static CommitTerms guardedBy(RunGuard guard) {
        return new CommitTerms(ThreadTags.none(), guard);
    }

    /** {@code commit} with these terms: the tags when it creates its thread ({@code expectedStep} 0), and the guard. */
    Commit applyTo(Commit commit) {
        Commit tagged = commit.expectedStep() == 0 && !tags.isEmpty() ? commit.withTags(tags) : commit;
        return tagged.guardedBy(guard);
    }
}
