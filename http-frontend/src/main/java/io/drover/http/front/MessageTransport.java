package io.drover.http.front;

import io.drover.http.front.Exchange.Phase;
import io.drover.supervisor.ActorWorker;
import io.drover.supervisor.Remote;
import io.drover.supervisor.WorkerFailure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An attempt carried whole, as one message: to an actor worker of this node, or to a worker on
 * another node ({@link RemoteCalls}). The body is gathered first (up to the route's max-body);
 * the answer, or how the attempt failed, comes back to the connection's event loop.
 */
final class MessageTransport implements Transport {
  private final ProxyHandler conn;
  private Exchange x;
  /** The request in flight to a worker on another node, 0 when none. */
  private long remoteCall;

  MessageTransport(ProxyHandler conn) {
    this.conn = conn;
  }

  @Override
  public void start(Exchange e) {
    x = e;
    if (e.body.size() > e.route.maxBody()) { // a retry of a body a streamed attempt took whole
      conn.respond(FrontErrors.tooLarge(conn.ctx.alloc(), e.route.app(), e.route.maxBody()), false);
      return;
    }
    conn.armDeadline(e);
    if (e.body.complete()) {
      e.to(Phase.AWAITING);
      send(e);
    } else {
      e.to(Phase.SENDING);
      conn.resumeReads();
    }
  }

  @Override
  public boolean direct() {
    return false;
  }

  @Override
  public boolean waitsForBody() {
    return true;
  }

  @Override
  public void onRequestContent(Exchange e, HttpContent content) {
    if (e.body.size() > e.route.maxBody()) {
      conn.respond(FrontErrors.tooLarge(conn.ctx.alloc(), e.route.app(), e.route.maxBody()), false);
      return;
    }
    if (content instanceof LastHttpContent) {
      e.to(Phase.AWAITING);
      send(e);
    }
  }

  private void send(Exchange e) {
    ByteBuf gathered = e.body.gathered(conn.ctx.alloc());
    byte[] body = new byte[gathered.readableBytes()];
    gathered.getBytes(gathered.readerIndex(), body);
    gathered.release();
    HttpRequest request = e.request;
    Endpoint endpoint = e.endpoint;
    Replies replies = new Replies(this, e.id, e.tried.size(), conn.ctx.channel().eventLoop());
    if (endpoint.remote) {
      RemoteCalls remote = conn.px.holder().remote;
      remoteCall = remote.send(endpoint.worker, request.method().name(), request.uri(),
          headerPairs(request.headers()), body, e.route.spec().requestTimeout(), replies);
      if (remoteCall == 0) { // its head made it too large to travel (its body is within max-body)
        conn.respond(FrontErrors.tooLargeToTravel(conn.ctx.alloc(), e.route.app(), remote.maxMessage()), true);
      }
    } else {
      endpoint.worker.tell(new ActorWorker.Handle(workerRequest(request, body), replies));
    }
  }

  /** The exchange and attempt an answer belongs to, if they are still current. */
  private Exchange current(long id, int attempt) {
    Exchange e = conn.current(id);
    return e == x && e != null && e.tried.size() == attempt && !e.answerBegun() ? e : null;
  }

  /**
   * The worker's answer, whole: to the client as one response; {@code trailers} (name, value, …:
   * an h2c worker's grpc-status) follow its body, as a trailing HEADERS frame to an HTTP/2 client
   * and in the last chunk to an HTTP/1.1 one.
   */
  private void answered(long id, int attempt, int status, byte[] body, Consumer<HttpHeaders> headers, List<String> trailers) {
    Exchange e = current(id, attempt);
    if (e == null) {
      return;
    }
    remoteCall = 0;
    e.to(Phase.STREAMING);
    e.status = status;
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    headers.accept(res.headers());
    ProxyHeaders.dropHopByHop(res.headers());
    res.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    boolean h2Client = conn.ctx.channel() instanceof Http2StreamChannel;
    if (!trailers.isEmpty() && (h2Client || e.clientVersion.equals(HttpVersion.HTTP_1_1))) {
      for (int i = 0; i + 1 < trailers.size(); i += 2) {
        res.trailingHeaders().add(trailers.get(i), trailers.get(i + 1));
      }
      res.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
      if (!h2Client) {
        HttpUtil.setTransferEncodingChunked(res, true); // HTTP/1.1 carries trailers in the last chunk only
      }
    } else {
      HttpUtil.setContentLength(res, body.length);
    }
    ProxyHeaders.forResponse(res.headers(), e.clientKeepAlive, e.clientVersion, conn.px.spec().via(), e.requestId);
    e.bytesOut = body.length;
    long now = System.nanoTime();
    e.route.meters().answered(status, e.startNanos, now);
    e.endpoint.answered(status, e.route.spec().outlier(), conn.px.front());
    ChannelFuture written = conn.ctx.writeAndFlush(res);
    conn.endAttempt(false, now);
    if (!e.clientKeepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
    conn.finishExchange();
  }

  private void failed(long id, int attempt, WorkerFailure failure, String detail) {
    Exchange e = current(id, attempt);
    if (e != null) {
      remoteCall = 0;
      ExchangeFailures.attemptFailed(conn, e, failure, detail);
    }
  }

  @Override
  public void release(boolean reusable) {
    clear();
  }

  /** The exchange ended: an unanswered remote call is no longer awaited. */
  void clear() {
    if (remoteCall != 0) {
      conn.px.holder().remote.forget(remoteCall); // timed out or closed
      remoteCall = 0;
    }
    x = null;
  }

  /** The request as an actor worker sees it: path and query apart, header names in lower case. */
  static io.drover.worker.Request workerRequest(HttpRequest request, byte[] body) {
    String uri = request.uri();
    int q = uri.indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : request.headers()) {
      headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(h.getValue());
    }
    return new io.drover.worker.Request(
        request.method().name(), q < 0 ? uri : uri.substring(0, q), q < 0 ? "" : uri.substring(q + 1), headers, body);
  }

  /** Headers as name, value, name, value, … with names in lower case (how they travel between nodes). */
  static List<String> headerPairs(HttpHeaders headers) {
    List<String> pairs = new ArrayList<>(headers.size() * 2);
    for (Map.Entry<String, String> h : headers) {
      pairs.add(h.getKey().toLowerCase(Locale.ROOT));
      pairs.add(h.getValue());
    }
    return pairs;
  }

  /** Brings an actor worker's or another node's answer back to the connection's event loop; any thread. */
  private record Replies(MessageTransport transport, long id, int attempt, EventLoop loop)
      implements ActorWorker.Reply, RemoteCalls.Callback {
    @Override
    public void answer(io.drover.worker.Response r) {
      loop.execute(() -> transport.answered(id, attempt, r.status(), r.body(), h -> r.headers().forEach(h::set), List.of()));
    }

    @Override
    public void fail(WorkerFailure failure, String detail) {
      loop.execute(() -> transport.failed(id, attempt, failure, detail));
    }

    @Override
    public void answer(Remote.Answer a) {
      if (a.failure() != null) {
        fail(a.failure(), a.detail());
        return;
      }
      loop.execute(() -> transport.answered(id, attempt, a.status(), a.body(), h -> {
        for (int i = 0; i + 1 < a.headers().size(); i += 2) {
          h.add(a.headers().get(i), a.headers().get(i + 1));
        }
      }, a.trailers() == null ? List.of() : a.trailers()));
    }
  }
}
