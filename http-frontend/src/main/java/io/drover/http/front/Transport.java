package io.drover.http.front;

import io.netty.handler.codec.http.HttpContent;

/**
 * How one attempt of an {@link Exchange} reaches its worker: streamed over a channel of the
 * client connection's event loop ({@link ChannelTransport}: a loopback connection, or a stream to
 * an h2c worker), or whole as a message to an actor worker or a worker on
 * another node ({@link MessageTransport}). A transport reports the answer and any failure to its
 * connection's {@link ProxyHandler}, which applies the {@link FailurePolicy}.
 */
interface Transport {
  /** The attempt begins: the exchange's endpoint is picked and counted in flight. */
  void start(Exchange x);

  /** A chunk of the client's body, already recorded in the exchange's {@link RequestBody}. */
  void onRequestContent(Exchange x, HttpContent content);

  /** Whether body chunks go straight to the worker now (else they wait in the request body). */
  boolean direct();

  /** Whether the worker is waiting for the client's body (for telling a late client from a late worker). */
  boolean waitsForBody();

  /** The client's read completed: what it brought of the body goes to the worker in one write. */
  default void flushToWorker() {}

  /** The client's connection takes bytes again: so may the worker's side of the attempt. */
  default void resumeWorker() {}

  /** The attempt ends: let go of the worker's connection (pooled when {@code reusable}) or call. */
  void release(boolean reusable);
}
