package io.threadline.checkpoint.crypto;

import io.threadline.checkpoint.ThreadKey;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Wrapped data keys in this process's memory: tests and local runs on the in-memory checkpoint store. */
public final class InMemoryDataKeyStore implements DataKeyStore {

    private final Map<ThreadKey, byte[]> keys = new ConcurrentHashMap<>();

    @Override
    public Optional<byte[]> get(ThreadKey thread) {
        return Optional.ofNullable(keys.get(thread)).map(byte[]::clone);
    }

    @Override
    public boolean putIfAbsent(ThreadKey thread, byte[] wrapped) {
        return keys.putIfAbsent(thread, wrapped.clone()) == null;
    }

    @Override
    public boolean delete(ThreadKey thread) {
        return keys.remove(thread) != null;
    }
}
