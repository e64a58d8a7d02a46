package io.threadline.memory.opensearch;

import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.transport.Endpoint;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.TransportOptions;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A transport that hands every call to another one: the base of the transports that change one or two of its
 * calls ({@link SignedTransport}, {@link TimeLimitedTransport}), so each of them writes only what it adds.
 */
abstract class ForwardingTransport implements OpenSearchTransport {

    protected final OpenSearchTransport delegate;

    protected ForwardingTransport(OpenSearchTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public <RequestT, ResponseT, ErrorT> ResponseT performRequest(RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint,
                                                                TransportOptions options) throws IOException {
        return delegate.performRequest(request, endpoint, options);
    }

    @Override
    public <RequestT, ResponseT, ErrorT> CompletableFuture<ResponseT> performRequestAsync(
            RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint, TransportOptions options) {
        return delegate.performRequestAsync(request, endpoint, options);
    }

    @Override
    public JsonpMapper jsonpMapper() {
        return delegate.jsonpMapper();
    }

    @Override
    public TransportOptions options() {
        return delegate.options();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
