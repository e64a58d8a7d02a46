package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The DynamoDB Local the tests start listens on the loopback interface only, not on the machine's network. */
class DynamoDbLocalTest {

    @Test
    void listensOnLoopbackOnly() throws SocketException {
        int port = DynamoDbLocal.get().port();
        assertThat(connects(InetAddress.getLoopbackAddress(), port)).as("127.0.0.1:" + port).isTrue();
        List<InetAddress> others = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(this::up)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .toList();
        // A machine without another address has nothing to expose; on one with an address (CI's, these
        // machines'), DynamoDB Local's own runner (bound to *:port) is reachable there.
        for (InetAddress address : others) {
            assertThat(connects(address, port)).as(address + ":" + port).isFalse();
        }
    }

    private boolean up(NetworkInterface nic) {
        try {
            return nic.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
