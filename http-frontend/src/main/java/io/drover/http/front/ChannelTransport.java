package io.drover.http.front;

import io.drover.http.front.Exchange.Phase;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * An attempt carried on a channel of the client connection's own event loop to a worker of this
 * node: a pooled HTTP/1.1 connection ({@link StreamedTransport}) or a stream of an HTTP/2
 * connection to an h2c worker ({@link H2cTransport}). What both do alike lives here: the request's
 * head and body go out as they arrive, with backpressure both ways (the client's reads pause while
 * the worker's channel is full, the worker's reads while the client's connection is), and a
 * write that fails ends the attempt under the call that made it (void promises), so every step
 * after a write first checks that the attempt is still there ({@link #gone}). The subclasses open
 * or pick the channel, turn the answer into the client's, and say how an attempt failed; the
 * {@link FailurePolicy} decides what follows.
 */
abstract class ChannelTransport implements Transport, BackendHandler.User {
  final ProxyHandler conn;
  /** The attempt in progress, or null. */
  Exchange x;
  /** The worker's channel (connection or stream) while the attempt holds one, else null. */
  Channel channel;

  ChannelTransport(ProxyHandler conn) {
    this.conn = conn;
  }

  @Override
  public boolean owns(long id) {
    return x != null && conn.current(id) == x;
  }

  /** Whether a channel that was being opened for {@code e} on {@code endpoint} came too late: the attempt moved on. */
  final boolean stale(Exchange e, Endpoint endpoint) {
    return x != e || e.endpoint != endpoint || conn.current(e.id) != e;
  }

  /** The attempt waits for its channel; so does the client's body. */
  final void connecting(Exchange e) {
    e.to(Phase.CONNECTING);
    if (!e.body.complete()) {
      conn.pauseReads(); // the body waits until the worker's channel is attached
    }
  }

  /**
   * Sends the request on {@code ch}, which the attempt now holds: its head, what arrived of its
   * body, and from then on the rest as it comes ({@link #onRequestContent}).
   */
  final void send(Exchange e, Channel ch) {
    e.to(e.body.complete() ? Phase.AWAITING : Phase.SENDING);
    conn.armDeadline(e);
    e.endpoint.handedOver();
    // a write to a channel that just failed fails at once (void promises): the attempt then
    // ended in failed() under these calls, and this one must touch nothing more
    ch.write(e.request, ch.voidPromise());
    if (gone(e, ch)) {
      return;
    }
    e.body.writeTo(ch);
    LoopFlushes.later(ch); // with the other requests of this pass of the loop
    if (!gone(e, ch) && !e.body.complete() && ch.isWritable()) {
      conn.resumeReads();
    }
  }

  /** Whether the attempt on {@code ch} already ended (it failed while being written to). */
  final boolean gone(Exchange e, Channel ch) {
    return x != e || channel != ch;
  }

  @Override
  public boolean direct() {
    return channel != null;
  }

  @Override
  public boolean waitsForBody() {
    return channel != null;
  }

  @Override
  public void onRequestContent(Exchange e, HttpContent content) {
    if (channel == null) {
      conn.pauseReads(); // waits in the request body until the worker's channel is attached
      return;
    }
    Channel ch = channel;
    if (content instanceof LastHttpContent && e.phase() == Phase.SENDING) {
      e.to(Phase.AWAITING);
    }
    ch.write(content, ch.voidPromise());
    if (!gone(e, ch) && !ch.isWritable()) {
      conn.pauseReads();
    }
  }

  @Override
  public void flushToWorker() {
    if (channel != null) {
      LoopFlushes.later(channel);
    }
  }

  @Override
  public void resumeWorker() {
    if (channel != null) {
      channel.config().setAutoRead(true);
    }
  }

  /** A chunk of the answer went to the client: while the client's connection is full, the worker's channel stops reading. */
  final void pauseWorkerWhileClientFull(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable() && channel != null) {
      channel.config().setAutoRead(false);
    }
  }

  @Override
  public void readComplete() {
    LoopFlushes.later(conn.ctx.channel());
  }

  @Override
  public void writabilityChanged(boolean writable) {
    if (writable && x != null && !x.body.complete()) {
      conn.resumeReads();
    }
  }

  /** The worker failed to take a channel or broke one: out of rotation until a recheck finds it back. */
  final void markDown(Endpoint endpoint) {
    if (!endpoint.down) {
      endpoint.down = true;
      conn.px.front().tell(new Rechecks.Failed(endpoint));
    }
  }
}
