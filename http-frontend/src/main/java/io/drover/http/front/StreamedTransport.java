package io.drover.http.front;

import io.drover.http.front.Exchange.Phase;
import io.drover.supervisor.WorkerFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.ConnectException;

/**
 * An attempt streamed to a worker process over a keep-alive loopback connection of the client
 * connection's own event loop ({@link WorkerConnections}): the request as it arrives, the answer
 * as it comes, with backpressure both ways. Writes to the worker use void promises: a failed
 * write fires exceptionCaught on the worker connection, which ends up in {@link #failed}.
 */
final class StreamedTransport extends ChannelTransport {
  private BackendHandler handler;
  private boolean backendKeepAlive;

  StreamedTransport(ProxyHandler conn) {
    super(conn);
  }

  @Override
  public void start(Exchange e) {
    x = e;
    Endpoint endpoint = e.endpoint;
    BackendHandler pooled = e.upgrade ? null : WorkerConnections.pool().acquire(endpoint.port, e.attemptStart);
    if (pooled != null) {
      attach(e, pooled);
      return;
    }
    connecting(e);
    WorkerConnections.connect(conn.px.backends(), conn.ctx.channel().eventLoop(), endpoint.port).addListener((ChannelFuture f) -> {
      if (stale(e, endpoint)) {
        f.channel().close();
      } else if (f.isSuccess()) {
        attach(e, (BackendHandler) f.channel().pipeline().get("backend"));
      } else {
        markDown(endpoint);
        ExchangeFailures.attemptFailed(conn, e, WorkerFailure.UNREACHABLE,
            f.cause() instanceof ConnectException ? "connection refused" : String.valueOf(f.cause()));
      }
    });
  }

  private void attach(Exchange e, BackendHandler h) {
    Channel ch = h.channel;
    channel = ch;
    handler = h;
    h.bind(this, e.id);
    if (conn.wholeAnswers && e.clientKeepAlive && !e.upgrade && e.clientVersion.equals(HttpVersion.HTTP_1_1)) {
      h.codec.wholeAnswerFor(e.requestId, conn.px.spec().via()); // what onResponse would make of a plain answer
    }
    ch.config().setAutoRead(true);
    send(e, ch);
  }

  // ------------------------------------------------------------------ the worker's answer

  @Override
  public void onResponse(HttpResponse res) {
    Exchange e = x;
    ChannelHandlerContext ctx = conn.ctx;
    if (res.decoderResult().isFailure()) { // not an answer the client could take: the worker failed
      ExchangeFailures.attemptFailed(conn, e, WorkerFailure.LOST, "malformed answer: " + res.decoderResult().cause().getMessage());
      return;
    }
    int code = res.status().code();
    // read before the version changes: an HTTP/1.0 answer without keep-alive ends its connection
    boolean workerKeepsAlive = HttpUtil.isKeepAlive(res);
    res.setProtocolVersion(HttpVersion.HTTP_1_1); // a proxy answers with its own version (RFC 9110 6.2)
    if (code >= 100 && code < 200 && code != 101) {
      e.interim = true; // 100 Continue and friends: pass on, the real answer follows
      e.interimSeen = true;
      ctx.write(res);
      return;
    }
    e.status = code;
    if (code == 101 && e.upgrade) {
      e.route.meters().answered(code, e.startNanos);
      res.headers().set(RequestIds.HEADER, e.requestId);
      Channel worker = channel;
      Endpoint endpoint = e.endpoint;
      handler.unbind();
      channel = null;
      handler = null;
      x = null;
      conn.tunnelled(e);
      OpenTunnel.open(ctx, worker, res, endpoint, e.route.queue(), OpenTunnel.webSocket(e.request.headers()), conn.px.log().tunnel(e));
      return;
    }
    e.to(Phase.STREAMING);
    e.deadline = 0;
    backendKeepAlive = workerKeepsAlive;
    ProxyHeaders.dropHopByHop(res.headers());
    boolean mayHaveBody = !e.request.method().equals(HttpMethod.HEAD) && code != 204 && code != 304;
    if (mayHaveBody && !HttpUtil.isContentLengthSet(res) && !HttpUtil.isTransferEncodingChunked(res)) {
      // the worker ends the body by closing: re-frame it for a keep-alive client
      if (e.clientVersion.equals(HttpVersion.HTTP_1_1)) {
        HttpUtil.setTransferEncodingChunked(res, true);
      } else {
        e.clientKeepAlive = false;
      }
    }
    ProxyHeaders.forResponse(res.headers(), e.clientKeepAlive, e.clientVersion, conn.px.spec().via(), e.requestId);
    ctx.write(res, ctx.voidPromise()); // a failed write closes the connection (exceptionCaught)
  }

  /** A plain answer that came whole, already the client's bytes: written and done in one step. */
  @Override
  public void onWholeAnswer(WholeAnswer answer) {
    Exchange e = x;
    ChannelHandlerContext ctx = conn.ctx;
    e.status = answer.status;
    try {
      e.to(Phase.STREAMING);
    } catch (RuntimeException bug) { // an illegal phase: the answer goes nowhere
      answer.release();
      throw bug;
    }
    e.deadline = 0;
    e.bytesOut += answer.bodyLength;
    conn.completed(e, ctx.write(answer, ctx.voidPromise()), answer.workerKeepsAlive);
  }

  @Override
  public void onResponseContent(HttpContent content) {
    Exchange e = x;
    ChannelHandlerContext ctx = conn.ctx;
    if (e.interim) {
      if (content instanceof LastHttpContent) {
        e.interim = false;
        ctx.writeAndFlush(content);
      } else {
        content.release();
      }
      return;
    }
    e.bytesOut += content.content().readableBytes();
    if (content instanceof LastHttpContent) {
      conn.completed(e, e.clientKeepAlive ? ctx.write(content, ctx.voidPromise()) : ctx.write(content), backendKeepAlive);
      return;
    }
    ctx.write(content, ctx.voidPromise());
    pauseWorkerWhileClientFull(ctx);
  }

  /**
   * The worker connection failed. A refused or freshly broken connection takes the worker out of
   * rotation (passive health); a kept-alive one the worker closed is no sign of trouble.
   */
  @Override
  public void failed(Channel ch, Throwable cause) {
    Exchange e = x;
    if (e == null || ch != channel) {
      return;
    }
    if (!handler.reused && cause instanceof java.io.IOException) {
      markDown(e.endpoint);
    }
    boolean closed = cause instanceof java.nio.channels.ClosedChannelException || cause.getMessage() == null;
    ExchangeFailures.attemptFailed(conn, e, WorkerFailure.LOST, closed ? "its connection closed before the answer was complete" : cause.getMessage());
  }

  @Override
  public void release(boolean reusable) {
    Channel ch = channel;
    BackendHandler h = handler;
    Exchange e = x;
    channel = null;
    handler = null;
    x = null;
    if (ch == null) {
      return;
    }
    h.unbind();
    if (reusable && e != null && e.endpoint != null && e.endpoint.available()) {
      ch.config().setAutoRead(true); // backpressure from this client must not stick to the pooled connection
      WorkerConnections.pool().release(h, conn.px.spec().poolMaxIdle(), conn.px.spec().poolIdleTimeout());
    } else {
      ch.close();
    }
  }
}
