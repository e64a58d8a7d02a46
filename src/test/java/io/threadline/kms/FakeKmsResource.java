package io.threadline.kms;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The application with {@code threadline.encryption.keys=kms} on a {@link FakeKms} with one key: the real SDK client
 * built by the application (io.threadline.config.CheckpointStores) speaks KMS's wire protocol to it. The client's
 * default credentials chain reads the system properties set here (restored at the end); the stand-in checks no
 * signature.
 */
public class FakeKmsResource implements QuarkusTestResourceLifecycleManager {

    private static final String[] CREDENTIALS = {"aws.accessKeyId", "aws.secretAccessKey"};

    /** The running stand-in, for the test to count calls; set while the application runs. */
    public static volatile FakeKms kms;
    private final Map<String, String> saved = new HashMap<>();

    @Override
    public Map<String, String> start() {
        try {
            kms = new FakeKms();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String key : CREDENTIALS) {
            saved.put(key, System.getProperty(key));
            System.setProperty(key, "fake-kms-test");
        }
        return Map.of(
                "threadline.encryption.keys", "kms",
                "threadline.encryption.kms-key-id", FakeKms.arn(kms.createKey()),
                "threadline.encryption.kms-region", FakeKms.REGION,
                "threadline.encryption.kms-endpoint-override", kms.endpoint().toString(),
                "threadline.encryption.data-key-table", "datakeys-" + UUID.randomUUID());
    }

    @Override
    public void stop() {
        saved.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
        if (kms != null) {
            kms.close();
        }
    }
}
