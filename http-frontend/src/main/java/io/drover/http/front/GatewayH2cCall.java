package io.drover.http.front;

import io.drover.supervisor.Remote;
import io.drover.supervisor.WorkerFailure;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request from another node's front to an h2c worker of this node ({@code route.protocol =
 * h2c}), for the {@link LoopbackForwarder}: sent as one stream of the front's own HTTP/2 client
 * ({@link WorkerStreams}: the multiplexed connections {@link H2cTransport} uses, per event loop and
 * worker port), its answer gathered whole: head, body (up to {@link LoopbackForwarder#MAX_RESPONSE})
 * and trailers (gRPC's grpc-status and grpc-message). A worker's trailers-only answer (one HEADERS
 * frame) comes back as a head with no body and no trailers. How it failed is told as {@link
 * H2cTransport} tells it: a stream the worker refused, or never got, is {@link
 * WorkerFailure#REFUSED}; a connection that could not be made is {@link WorkerFailure#UNREACHABLE};
 * a stream lost after the request went out is {@link WorkerFailure#LOST}. Runs on one event loop.
 */
final class GatewayH2cCall implements BackendHandler.User {
  private final Remote.Serve m;
  private final int port;
  private final Duration timeout;
  private final CompletableFuture<Remote.Answer> answer;
  private final EventLoop loop;
  private Http2StreamChannel ch;
  private WorkerStream handler;
  private ScheduledFuture<?> deadline;
  private HttpResponse head;
  private CompositeByteBuf body;
  private boolean done;

  GatewayH2cCall(Remote.Serve m, int port, Duration timeout, CompletableFuture<Remote.Answer> answer, EventLoop loop) {
    this.m = m;
    this.port = port;
    this.timeout = timeout;
    this.answer = answer;
    this.loop = loop;
  }

  void start(Bootstrap backends, Duration idleTimeout) {
    deadline = loop.schedule(this::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
    WorkerStreams.pool().open(backends, loop, port, idleTimeout).addListener((Future<Http2StreamChannel> f) -> {
      if (done) {
        if (f.isSuccess()) {
          f.getNow().close();
        }
      } else if (f.isSuccess()) {
        send(f.getNow());
      } else if (f.cause() instanceof ConnectException || f.cause() instanceof java.io.IOException) {
        finish(Remote.Answer.failed(m.id(), WorkerFailure.UNREACHABLE,
            f.cause() instanceof ConnectException ? "connection refused" : String.valueOf(f.cause())));
      } else {
        finish(Remote.Answer.failed(m.id(), WorkerFailure.REFUSED, "no stream could be opened: " + f.cause()));
      }
    });
  }

  /** The whole request on the stream: HEADERS, then its body as DATA with END_STREAM. */
  private void send(Http2StreamChannel stream) {
    ch = stream;
    handler = stream.pipeline().get(WorkerStream.class);
    handler.bind(this, m.id());
    FullHttpRequest request = new DefaultFullHttpRequest(
        HttpVersion.HTTP_1_1, HttpMethod.valueOf(m.method()), m.uri(), Unpooled.wrappedBuffer(m.body()));
    HttpHeaders h = request.headers();
    boolean teTrailers = false;
    for (int i = 0; i + 1 < m.headers().size(); i += 2) {
      String name = m.headers().get(i);
      String value = m.headers().get(i + 1);
      if (name.equals("te")) {
        teTrailers |= value.toLowerCase(Locale.ROOT).contains("trailers");
      } else if (ProxyHeaders.carried(name) || name.equals("host")) {
        h.add(name, value); // host becomes :authority
      }
    }
    if (teTrailers) {
      h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // gRPC's, the one TE HTTP/2 allows
    }
    stream.writeAndFlush(request, stream.voidPromise()); // a failed write ends in failed()
  }

  @Override
  public boolean owns(long id) {
    return !done;
  }

  @Override
  public void onResponse(HttpResponse response) {
    if (response.decoderResult().isFailure()) {
      release(response);
      failed(ch, new java.io.IOException("malformed answer: " + response.decoderResult().cause().getMessage()));
      return;
    }
    int code = response.status().code();
    if (code >= 100 && code < 200) { // informational: the real answer follows
      release(response);
      return;
    }
    head = response;
    body = ch.alloc().compositeBuffer(256);
    if (response instanceof FullHttpResponse full) { // the whole answer in one HEADERS frame (gRPC's trailers-only)
      gather(full);
    }
  }

  @Override
  public void onResponseContent(HttpContent content) {
    if (body == null) {
      content.release();
      failed(ch, new java.io.IOException("a body before the answer's head"));
      return;
    }
    gather(content);
  }

  /** Adds a piece of the answer; the last one (its trailers) completes it. */
  private void gather(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    ByteBuf bytes = content.content();
    if (bytes.isReadable()) {
      body.addComponent(true, bytes.retain());
    }
    if (body.readableBytes() > LoopbackForwarder.MAX_RESPONSE) {
      content.release();
      finish(Remote.Answer.failed(m.id(), WorkerFailure.LOST, "answer larger than " + LoopbackForwarder.MAX_RESPONSE + " bytes"));
    } else if (last) {
      List<String> trailers = pairs(((LastHttpContent) content).trailingHeaders(), false);
      content.release();
      complete(trailers);
    } else {
      content.release();
    }
  }

  private void complete(List<String> trailers) {
    byte[] bytes = new byte[body.readableBytes()];
    body.getBytes(body.readerIndex(), bytes);
    finish(new Remote.Answer(m.id(), head.status().code(), pairs(head.headers(), true), bytes, trailers, null, null));
  }

  /** Headers as name, value, … in lower case; {@code head}: only those that travel between nodes, no x-http2-*. */
  private static List<String> pairs(HttpHeaders headers, boolean head) {
    List<String> pairs = new ArrayList<>(headers.size() * 2);
    for (Map.Entry<String, String> e : headers) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!head || (ProxyHeaders.carried(name) && !name.startsWith("x-http2-"))) {
        pairs.add(name);
        pairs.add(e.getValue());
      }
    }
    return pairs;
  }

  @Override
  public void readComplete() {}

  @Override
  public void writabilityChanged(boolean writable) {}

  @Override
  public void failed(Channel channel, Throwable cause) {
    if (done || channel != ch) {
      return;
    }
    WorkerStream h = handler;
    if (h.nothingSent(ch, cause)) {
      finish(Remote.Answer.failed(m.id(), WorkerFailure.REFUSED, h.reset != null ? h.reset : "the stream could not be opened: " + cause));
      return;
    }
    String detail = h.reset != null ? h.reset
        : cause instanceof java.nio.channels.ClosedChannelException || cause.getMessage() == null
            ? "its stream closed before the answer was complete" : cause.getMessage();
    finish(Remote.Answer.failed(m.id(), WorkerFailure.LOST, detail));
  }

  private void timedOut() {
    finish(Remote.Answer.failed(m.id(), WorkerFailure.TIMED_OUT, "within " + timeout.toMillis() + "ms"));
  }

  private static void release(HttpResponse response) {
    if (response instanceof FullHttpResponse full) {
      full.release();
    }
  }

  /** Completes the call once; the stream closes (a reset if it was still open: the worker stops working on it). */
  private void finish(Remote.Answer a) {
    if (done) {
      return;
    }
    done = true;
    deadline.cancel(false);
    if (handler != null) {
      handler.unbind();
    }
    if (ch != null) {
      ch.close();
    }
    if (body != null) {
      body.release();
      body = null;
    }
    answer.complete(a);
  }
}
