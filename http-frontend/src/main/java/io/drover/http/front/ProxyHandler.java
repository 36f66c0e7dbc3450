package io.drover.http.front;

import io.drover.http.front.Exchange.Phase;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One client connection of the front. Each request is an {@link Exchange}: route it, pick a
 * worker, hand it to a {@link Transport}, and pass the answer back; when an attempt fails, the
 * {@link FailurePolicy} says whether another worker gets it or what the client is told.
 * Pipelined requests wait until the exchange before them is done.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
  final ProxyContext px;
  ChannelHandlerContext ctx;
  /** The client's address and the Host of its last valid request, as header values (ASCII, encoded at once). */
  private AsciiString clientIp = AsciiString.EMPTY_STRING;
  private String validHost;
  private AsciiString validHostValue;
  private long exchanges;
  /** The exchange in progress, or null. */
  private Exchange x;
  private final StreamedTransport stream = new StreamedTransport(this);
  private final MessageTransport message = new MessageTransport(this);
  /** Streams to h2c workers (route.protocol = h2c), made with the connection's first such request. */
  private H2cTransport h2c;
  private final ArrayDeque<Object> queued = new ArrayDeque<>();
  boolean readsPaused;
  /** Whether a worker's answer may reach this client as a {@link WholeAnswer} (HTTP/1.1 on {@link FrontCodec}; not HTTP/2). */
  boolean wholeAnswers;
  private ExchangeTimer timer;

  ProxyHandler(ProxyContext px) {
    this.px = px;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.wholeAnswers = ctx.pipeline().get("http") instanceof FrontCodec;
    this.timer = new ExchangeTimer(ctx.executor(), this::checkTimeout);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
      clientIp = new AsciiString(a.getAddress().getHostAddress());
    }
    ctx.fireChannelActive();
  }

  /** The exchange in progress, if it is the one numbered {@code id}, else null. */
  Exchange current(long id) {
    Exchange e = x;
    return e != null && e.id == id ? e : null;
  }

  // ------------------------------------------------------------------ the client's request

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!queued.isEmpty() || (x != null && x.body.complete())) {
      queued.add(msg); // a pipelined request: it waits for the current exchange
      pauseReads();
      return;
    }
    handle(msg);
  }

  private void handle(Object msg) {
    if (msg instanceof HttpRequest req) {
      startExchange(req);
    }
    if (msg instanceof HttpContent content) {
      onRequestContent(content);
    } else if (!(msg instanceof HttpObject)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void startExchange(HttpRequest req) {
    Exchange e = x = new Exchange(++exchanges, req, System.nanoTime(), px.ids().of(req.headers()), clientIp);
    DecoderResult decoded = req.decoderResult();
    if (decoded.isFailure()) {
      respond(FrontErrors.undecodable(ctx.alloc(), decoded.cause()), false);
      return;
    }
    HttpHeaders headers = req.headers();
    String host = headers.get(HttpHeaderNames.HOST);
    String problem = ProxyHeaders.hostProblem(headers, e.clientVersion, validHost);
    if (problem == null && host != null && !host.equals(validHost)) {
      validHost = host;
      validHostValue = new AsciiString(host);
    } else if (problem != null) {
      respond(FrontErrors.badRequest(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, problem), false);
      return;
    }
    RouteSnapshot routes = px.holder().get();
    e.route = routes.match(host, req.uri());
    e.clientKeepAlive = HttpUtil.isKeepAlive(req);
    if (e.route == null) {
      // before the front actor's first snapshot the routes are not known yet: try again, not 404
      respond(routes == RouteSnapshot.EMPTY ? FrontErrors.starting(ctx.alloc()) : FrontErrors.noRoute(ctx.alloc(), host, req.uri()),
          e.clientKeepAlive);
      return;
    }
    e.route.traffic().budget.request(e.startNanos);
    if (e.route.spec().balancer() == io.drover.supervisor.config.BalancerKind.STICKY) {
      e.stickyKey = ProxyHeaders.stickyKey(e.route.spec().sticky(), req);
    }
    String upgradeTo = ProxyHeaders.upgradeTo(headers);
    e.upgrade = upgradeTo != null;
    boolean teTrailers = e.route.h2c() && ProxyHeaders.teTrailers(headers); // gRPC's: HTTP/2 lets it through
    ProxyHeaders.forRequest(headers, clientIp, host == null ? null : validHostValue, px.spec(), e.requestId);
    if (teTrailers) {
      headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    if (e.upgrade) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, upgradeTo);
    }
    req.setUri(e.route.forwardUri(req.uri()));
    req.setProtocolVersion(HttpVersion.HTTP_1_1);
    e.body.start(FailurePolicy.idempotent(req.method().name()));
    dispatch(e.startNanos);
  }

  private void onRequestContent(HttpContent content) {
    Exchange e = x;
    if (e != null && e.phase() != Phase.DISCARDING && content.decoderResult().isFailure()) {
      Throwable cause = content.decoderResult().cause();
      content.release();
      if (e.answerBegun()) {
        ctx.close(); // the answer is under way; the request was broken: end both
        return;
      }
      respond(FrontErrors.undecodable(ctx.alloc(), cause), false); // never forwarded as if complete
      return;
    }
    if (e == null || e.phase() == Phase.DISCARDING) {
      content.release();
      if (e != null && content instanceof LastHttpContent) {
        finishExchange();
      }
      return;
    }
    if (e.phase() == Phase.QUEUED) { // no worker yet: the body waits (reads pause once there is much of it)
      e.body.add(content, false);
      if (e.body.size() > RequestBody.REPLAY_LIMIT) {
        pauseReads();
      }
      return;
    }
    Transport t = e.transport;
    boolean direct = t.direct();
    e.body.add(content, direct);
    t.onRequestContent(e, content);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (x != null && x.transport != null) {
      x.transport.flushToWorker(); // only the current attempt's transport holds a worker's channel
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (x != null && x.transport != null && ctx.channel().isWritable()) {
      x.transport.resumeWorker();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (x != null) {
      if (x.phase() == Phase.QUEUED) {
        x.route.queue().cancel(x.waiter); // it leaves the queue now; a slot given meanwhile is handed back in granted()
      }
      endAttempt(false, System.nanoTime()); // the client left: nobody waits for the answer
      clearExchange();
    }
    queued.forEach(ReferenceCountUtil::release);
    queued.clear();
    timer.cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ExchangeFailures.connectionFailed(this, x, cause);
  }

  // ------------------------------------------------------------------ attempts

  /** Picks a worker for the request and starts an attempt, at {@code now} (System.nanoTime), on the transport that reaches it. */
  void dispatch(long now) {
    Exchange e = x;
    RouteSnapshot.Route route = e.route;
    // a WebSocket is a byte pipe, and a body declared larger than max-body cannot travel as a
    // message: only this node's workers can take those (an h2c app's calls go to other nodes'
    // workers, as messages, only while this node has none ready: RouteSnapshot)
    boolean localOnly = e.upgrade
        || (route.takesMessages() && HttpUtil.getContentLength(e.request, -1L) > route.maxBody());
    AppQueue.Admission admitted = route.traffic().admit(this, e, route, localOnly);
    if (admitted == AppQueue.Admission.QUEUED) {
      e.to(Phase.QUEUED);
      e.transport = null;
      timer.deadline(e, route.queue().capacity().queueTimeout().toNanos());
    } else if (admitted == AppQueue.Admission.GRANTED) {
      attempt(e, now);
    } else {
      ExchangeFailures.notAdmitted(this, e, admitted == AppQueue.Admission.FULL, localOnly);
    }
  }

  /** An attempt on the exchange's endpoint, whose slot (in-flight count) it holds. */
  private void attempt(Exchange e, long now) {
    if (!e.tried.isEmpty()) {
      e.route.meters().retried();
    }
    e.tried.add(e.endpoint);
    e.attemptStart = now;
    e.transport = e.endpoint.actor || e.endpoint.remote ? message : !e.route.h2c() ? stream
        : h2c != null ? h2c : (h2c = new H2cTransport(this));
    e.transport.start(e);
  }

  /** A waiting request's slot, on this connection's event loop; handed back when the request left meanwhile. */
  void granted(AppQueue.Waiter w) {
    Exchange e = x;
    if (e != w.exchange || e.phase() != Phase.QUEUED) {
      w.exchange.route.queue().release(w.endpoint);
      return;
    }
    long now = System.nanoTime();
    e.route.meters().waited(now - w.since);
    e.deadline = 0;
    e.to(Phase.ROUTING);
    e.endpoint = w.endpoint;
    attempt(e, now);
  }

  /** The request is with the worker from now: its time to answer starts. */
  void armDeadline(Exchange e) {
    timer.deadline(e, e.route.spec().requestTimeout().toNanos());
  }

  private void checkTimeout() {
    Exchange e = x;
    if (e == null || e.deadline == 0 || e.answerBegun() || !ctx.channel().isActive()) {
      return; // re-armed by the next attempt
    }
    long left = e.deadline - System.nanoTime();
    if (left > 0) {
      timer.arm(left);
      return;
    }
    ExchangeFailures.timedOut(this, e);
  }

  /** Ends the current attempt: its transport lets go, its endpoint's in-flight count is returned. */
  void endAttempt(boolean reusable, long nowNanos) {
    Exchange e = x;
    e.deadline = 0;
    e.attemptEnded(nowNanos);
    if (e.transport != null) {
      e.transport.release(reusable);
    }
    if (e.endpoint != null) {
      e.route.queue().release(e.endpoint); // the slot goes to a waiting request, if any
      e.endpoint = null;
    }
  }

  // ------------------------------------------------------------------ endings

  /** The worker's answer is complete (written): keep both connections when they allow it. */
  void completed(Exchange e, io.netty.channel.ChannelFuture written, boolean workerReusable) {
    long now = System.nanoTime();
    e.route.meters().answered(e.status, e.startNanos, now);
    e.endpoint.answered(e.status, e.route.spec().outlier(), px.front());
    LoopFlushes.later(ctx.channel()); // with the other answers of this pass of the loop
    endAttempt(workerReusable && e.body.complete(), now);
    if (!e.clientKeepAlive) {
      LingeringClose.after(ctx.channel(), written, !e.body.complete());
      clearExchange();
      return;
    }
    answered(e);
  }

  /** Answers the request with a response the front made (errors). */
  void respond(FullHttpResponse response, boolean keepAlive) {
    respond(response, keepAlive, null);
  }

  /** As {@link #respond(FullHttpResponse, boolean)}, counted as {@code kind} (null: by its status). */
  void respond(FullHttpResponse response, boolean keepAlive, AppMeters.ErrorKind kind) {
    Exchange e = x;
    if (e.phase() == Phase.QUEUED) {
      e.route.queue().cancel(e.waiter); // answered while waiting (a broken body): its place goes
    }
    if (e.endpoint != null) {
      endAttempt(false, System.nanoTime());
    }
    e.deadline = 0;
    e.answeredByFront(response, kind);
    if (GrpcAnswers.isGrpc(e.request)) {
      response = GrpcAnswers.trailersOnly(response); // counted and logged with the front's status, sent as gRPC reads it
    }
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      LingeringClose.after(ctx.channel(), ctx.writeAndFlush(response), !e.body.complete());
      clearExchange();
      return;
    }
    ctx.writeAndFlush(response);
    answered(e);
  }

  /** The answer is out: the rest of a body still coming is read and dropped, or the exchange ends. */
  private void answered(Exchange e) {
    if (e.body.complete()) {
      finishExchange();
    } else {
      e.to(Phase.DISCARDING); // answered before the body ended
      resumeReads();
    }
  }

  /** Ends the exchange and starts on any pipelined request. */
  void finishExchange() {
    clearExchange();
    // feed the next request, and its body as far as it has arrived
    while (!queued.isEmpty() && !(x != null && x.body.complete())) {
      handle(queued.poll());
    }
    if (queued.isEmpty() && (x == null || (!x.body.complete() && x.transport != null && x.transport.direct()))) {
      resumeReads();
    }
  }

  /** The worker switched protocols: the connection is a tunnel from now on, the exchange is over. */
  void tunnelled(Exchange e) {
    e.to(Phase.TUNNEL);
    e.endpoint = null; // its in-flight count stays until the tunnel closes
    e.deadline = 0;
    readsPaused = false;
    queued.forEach(ReferenceCountUtil::release); // what followed the upgrade request was no HTTP
    queued.clear();
    clearExchange();
  }

  void clearExchange() {
    Exchange e = x;
    if (e != null) {
      if (e.phase() != Phase.TUNNEL && e.phase() != Phase.DONE) {
        e.to(Phase.DONE);
        px.log().ended(e); // a tunnel's line is written when it closes
      }
      message.clear();
      e.body.release();
    }
    x = null;
  }

  /** Stops reading from the client (body while no worker is attached, pipelined requests, backpressure). */
  void pauseReads() {
    if (!readsPaused) {
      readsPaused = true;
      ctx.channel().config().setAutoRead(false);
    }
  }

  void resumeReads() {
    if (readsPaused) {
      readsPaused = false;
      ctx.channel().config().setAutoRead(true);
      if (ctx.channel() instanceof Http2StreamChannel) { // the read wrote the stream's WINDOW_UPDATE, flushed by Netty only
        ctx.channel().flush(); // when no read is pending: a client out of window waited until request-timeout (FrontGrpcTest)
      }
    }
  }
}
