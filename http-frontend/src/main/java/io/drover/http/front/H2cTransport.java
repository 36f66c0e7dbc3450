package io.drover.http.front;

import io.drover.http.front.Exchange.Phase;
import io.drover.supervisor.WorkerFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import java.net.ConnectException;

/**
 * An attempt carried to an h2c worker ({@code route.protocol = h2c}) as one stream of a
 * multiplexed HTTP/2 connection of the client connection's event loop ({@link WorkerStreams}):
 * the request's HTTP/1 objects become HEADERS and DATA frames and the answer's frames HTTP/1
 * objects again, trailers included both ways (gRPC's grpc-status), streamed with backpressure
 * both ways: the stream's flow-control window towards the worker, the client's connection
 * towards the client. A stream the worker refused was not processed and is {@link
 * WorkerFailure#REFUSED}; any other end before the answer is complete is {@link
 * WorkerFailure#LOST}; the {@link FailurePolicy} decides.
 */
final class H2cTransport extends ChannelTransport {
  private WorkerStream handler;

  H2cTransport(ProxyHandler conn) {
    super(conn);
  }

  @Override
  public void start(Exchange e) {
    x = e;
    Endpoint endpoint = e.endpoint;
    connecting(e);
    Channel client = conn.ctx.channel();
    WorkerStreams.pool().open(conn.px.backends(), client.eventLoop(), endpoint.port, conn.px.spec().poolIdleTimeout())
        .addListener((Future<Http2StreamChannel> f) -> {
          if (stale(e, endpoint)) {
            if (f.isSuccess()) {
              f.getNow().close();
            }
          } else if (f.isSuccess()) {
            attach(e, f.getNow());
          } else if (f.cause() instanceof ConnectException || f.cause() instanceof java.io.IOException) {
            markDown(endpoint);
            ExchangeFailures.attemptFailed(conn, e, WorkerFailure.UNREACHABLE,
                f.cause() instanceof ConnectException ? "connection refused" : String.valueOf(f.cause()));
          } else {
            ExchangeFailures.attemptFailed(conn, e, WorkerFailure.REFUSED, "no stream could be opened: " + f.cause());
          }
        });
  }

  private void attach(Exchange e, Http2StreamChannel ch) {
    channel = ch;
    handler = ch.pipeline().get(WorkerStream.class);
    handler.bind(this, e.id);
    send(e, ch);
  }

  // ------------------------------------------------------------------ the worker's answer

  @Override
  public void onResponse(HttpResponse res) {
    Exchange e = x;
    ChannelHandlerContext ctx = conn.ctx;
    if (res.decoderResult().isFailure()) {
      if (res instanceof FullHttpResponse full) {
        full.release();
      }
      ExchangeFailures.attemptFailed(conn, e, WorkerFailure.LOST, "malformed answer: " + res.decoderResult().cause().getMessage());
      return;
    }
    HttpHeaders h = res.headers();
    ProxyHeaders.dropHttp2Extensions(h);
    res.setProtocolVersion(HttpVersion.HTTP_1_1);
    int code = res.status().code();
    if (code >= 100 && code < 200) { // informational: passed on, the real answer follows (h2 has no 101)
      e.interimSeen = true;
      ctx.writeAndFlush(res);
      return;
    }
    e.status = code;
    e.to(Phase.STREAMING);
    e.deadline = 0;
    ProxyHeaders.dropHopByHop(h);
    boolean h2Client = ctx.channel() instanceof Http2StreamChannel;
    if (res instanceof FullHttpResponse full) {
      // the whole answer in one HEADERS frame (gRPC's trailers-only answer): one HEADERS frame to an h2 client too
      if (!h2Client && !HttpUtil.isContentLengthSet(full)) {
        HttpUtil.setContentLength(full, full.content().readableBytes());
      }
      ProxyHeaders.forResponse(h, e.clientKeepAlive, e.clientVersion, conn.px.spec().via(), e.requestId);
      e.bytesOut += full.content().readableBytes();
      conn.completed(e, ctx.write(full), true);
      return;
    }
    if (!h2Client && e.clientVersion.equals(HttpVersion.HTTP_1_0) && HttpUtil.isTransferEncodingChunked(res)) {
      HttpUtil.setTransferEncodingChunked(res, false); // an HTTP/1.0 client reads the body to the close
      e.clientKeepAlive = false;
    }
    ProxyHeaders.forResponse(h, e.clientKeepAlive, e.clientVersion, conn.px.spec().via(), e.requestId);
    ctx.write(res);
  }

  @Override
  public void onResponseContent(HttpContent content) {
    Exchange e = x;
    ChannelHandlerContext ctx = conn.ctx;
    e.bytesOut += content.content().readableBytes();
    if (content instanceof LastHttpContent) { // its trailing headers (grpc-status) go with it
      conn.completed(e, ctx.write(content), true);
      return;
    }
    ctx.write(content);
    pauseWorkerWhileClientFull(ctx); // the worker's window closes until the client takes more
  }

  @Override
  public void failed(Channel ch, Throwable cause) {
    Exchange e = x;
    if (e == null || ch != channel) {
      return;
    }
    Http2StreamChannel stream = (Http2StreamChannel) ch;
    WorkerStream h = handler;
    if (h.nothingSent(stream, cause)) {
      ExchangeFailures.attemptFailed(conn, e, WorkerFailure.REFUSED, h.reset != null ? h.reset : "the stream could not be opened: " + cause);
      return;
    }
    if (!stream.parent().isActive() && !e.endpoint.down) {
      markDown(e.endpoint); // the connection itself broke: the worker may be gone
    }
    String detail = h.reset != null ? h.reset
        : cause instanceof java.nio.channels.ClosedChannelException || cause.getMessage() == null
            ? "its stream closed before the answer was complete" : cause.getMessage();
    ExchangeFailures.attemptFailed(conn, e, WorkerFailure.LOST, detail);
  }

  /** The attempt ends: the stream closes (a reset if it was still open: the worker stops working on it). */
  @Override
  public void release(boolean reusable) {
    Channel ch = channel;
    WorkerStream h = handler;
    channel = null;
    handler = null;
    x = null;
    if (ch != null) {
      h.unbind();
      ch.close();
    }
  }
}
