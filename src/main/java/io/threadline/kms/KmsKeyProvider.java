package io.threadline.kms;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.crypto.DataKey;
import io.threadline.checkpoint.crypto.KeyProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KmsException;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Data keys from AWS KMS: {@code GenerateDataKey} (AES-256) for a new thread, {@code Decrypt} for a stored one,
 * both under one KMS key ({@code threadline.encryption.kms-key-id}) and with the thread as the encryption context
 * ({@code tenant}, {@code thread}) — so CloudTrail names the thread of each use, and a wrapped key copied to
 * another thread does not decrypt. The client is built by the application with the function's credentials; the
 * constructor does no I/O.
 */
public final class KmsKeyProvider implements KeyProvider {

    private final KmsClient client;
    private final String keyId;

    public KmsKeyProvider(KmsClient client, String keyId) {
        this.client = Objects.requireNonNull(client, "client");
        if (keyId == null || keyId.isBlank()) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.encryption.kms-key-id names no KMS key",
                    Map.of("key", "threadline.encryption.kms-key-id"));
        }
        this.keyId = keyId;
    }

    static Map<String, String> context(ThreadKey thread) {
        return Map.of("tenant", thread.tenant(), "thread", thread.threadId());
    }

    @Override
    public DataKey generate(ThreadKey thread) {
        GenerateDataKeyResponse r = call("GenerateDataKey", thread, () -> client.generateDataKey(b -> b.keyId(keyId)
                .keySpec(DataKeySpec.AES_256).encryptionContext(context(thread))));
        return new DataKey(r.plaintext().asByteArray(), r.ciphertextBlob().asByteArray());
    }

    @Override
    public byte[] unwrap(ThreadKey thread, byte[] wrapped) {
        DecryptResponse r = call("Decrypt", thread, () -> client.decrypt(b -> b.keyId(keyId)
                .ciphertextBlob(SdkBytes.fromByteArray(wrapped)).encryptionContext(context(thread))));
        return r.plaintext().asByteArray();
    }

    private <T> T call(String action, ThreadKey thread, Supplier<T> body) {
        try {
            return body.get();
        } catch (InvalidCiphertextException | IncorrectKeyException e) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "KMS refused to decrypt the data key of thread " + thread.threadId()
                    + ": it was not made for this thread and key (" + e.awsErrorDetails().errorCode() + ")",
                    Map.of("thread", thread.threadId(), "awsErrorCode", e.awsErrorDetails().errorCode()), e);
        } catch (KmsException e) {
            int status = e.statusCode();
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            if (status >= 500 || status == 429 || code.contains("Throttl") || code.equals("KMSInternalException")
                    || code.equals("DependencyTimeoutException")) {
                throw unavailable(action, thread, e);
            }
            // NotFound, Disabled, AccessDenied, KMSInvalidState: the key or the role is wrong; a retry does not cure it.
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "KMS refused " + action + " with key " + keyId + " ("
                    + code + "): check threadline.encryption.kms-key-id and the function's kms:" + action + " permission",
                    Map.of("thread", thread.threadId(), "awsErrorCode", code, "keyId", keyId), e);
        } catch (SdkException e) {
            throw unavailable(action, thread, e);
        }
    }

    private static ThreadlineException unavailable(String action, ThreadKey thread, Exception e) {
        return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "KMS did not answer " + action + " for thread "
                + thread.threadId() + " (" + e.getMessage() + "); safe to retry", Map.of("thread", thread.threadId()), e);
    }
}
