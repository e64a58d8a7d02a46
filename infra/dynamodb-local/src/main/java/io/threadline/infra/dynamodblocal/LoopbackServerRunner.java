package io.threadline.infra.dynamodblocal;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.lang.reflect.Field;

/**
 * DynamoDB Local on 127.0.0.1 only. Its own {@code ServerRunner} has no host option and binds Jetty to
 * every interface ({@code *:PORT}), so anyone on the network could read and write the local tables. This
 * takes the same arguments ({@code -inMemory -port P -disableTelemetry} ...), builds the server as
 * {@code ServerRunner} does, and binds its connector to the loopback address before starting it:
 * <pre>java -cp 'target/dynamodb-local/lib/*' io.threadline.infra.dynamodblocal.LoopbackServerRunner -inMemory -port 8000 -disableTelemetry</pre>
 * The bind address is {@code -Dthreadline.dynamodb-local.host} (default 127.0.0.1).
 */
public final class LoopbackServerRunner {

    private LoopbackServerRunner() {
    }

    public static void main(String[] args) throws Exception {
        String host = System.getProperty("threadline.dynamodb-local.host", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        // The Jetty server is a private field of DynamoDBProxyServer (2.6.1): no API reaches its connector.
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        int bound = 0;
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector c) {
                c.setHost(host);
                bound++;
            }
        }
        if (bound == 0) {
            throw new IllegalStateException("DynamoDB Local's Jetty server has no ServerConnector to bind to " + host
                    + "; has DynamoDBProxyServer changed?");
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host + " (" + String.join(" ", args) + ")");
    }
}
