package io.threadline.checkpoint.crypto;

import io.threadline.checkpoint.ThreadKey;

import java.util.Optional;

/**
 * Where threads' wrapped data keys are kept. Keep it apart from what the keys encrypt, and out of the backups
 * of the checkpoints (on AWS: its own table, without point-in-time recovery): deleting a thread's key here is
 * what makes every copy of its checkpoints — a backup, a restored table — unreadable.
 */
public interface DataKeyStore {

    /** The thread's wrapped data key, if it has one. Strongly consistent. */
    Optional<byte[]> get(ThreadKey thread);

    /** Stores the thread's wrapped key unless it has one already; false (and nothing written) if it had. */
    boolean putIfAbsent(ThreadKey thread, byte[] wrapped);

    /** Forgets the thread's key (crypto-shredding); no-op if it has none. Returns whether it had one. */
    boolean delete(ThreadKey thread);
}
