package io.drover.http.front;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of the front. Each request is an exchange: route it, pick a worker,
 * stream the request to it over a pooled keep-alive connection of this event loop, and stream
 * the answer back. A worker that fails before answering is taken out of rotation and the
 * request goes to another worker when that is safe: nothing was sent yet, or the method is
 * idempotent and its body (up to {@link #REPLAY_LIMIT}) was kept.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
  /** Bodies of idempotent requests up to this size are kept so they can be retried. */
  static final int REPLAY_LIMIT = 64 * 1024;

  /** host[:port]: a registered name or IPv4 (RFC 3986 reg-name characters) or an [IPv6] literal. */
  private static final java.util.regex.Pattern VALID_HOST =
      java.util.regex.Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{1,5})?");

  private final ProxyContext px;
  private ChannelHandlerContext ctx;
  private String clientIp = "";

  // ---- the exchange in progress (one at a time; pipelined requests wait in `queued`)
  private long exchangeId;
  private boolean busy;
  private HttpRequest request;
  private HttpVersion clientVersion;
  private String originalHost;
  private RouteSnapshot.Route route;
  private boolean clientKeepAlive;
  private boolean upgrade;
  private boolean requestComplete;
  private boolean discarding;
  private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
  /** Whether the request may be retried after it was sent (idempotent, body kept so far). */
  private boolean replayable;
  /** The body chunks kept for a retry (allocated on the first non-empty chunk). */
  private List<HttpContent> replay;
  private long replayBytes;
  private boolean readsPaused;
  /** Whether any part of the request was written to a worker on an earlier or current attempt. */
  private boolean sentToAWorker;
  private final List<Endpoint> tried = new ArrayList<>(3);
  private Endpoint endpoint;
  private Channel backend;
  private boolean responseStarted;
  private boolean interim;
  /** The client asked for 100 Continue before sending its body; whether a 1xx came from the worker. */
  private boolean expectContinue;
  private boolean interimSeen;
  private boolean backendKeepAlive;
  private long startNanos;
  private int responseStatus;
  /** The exchange goes to an actor worker: the body is gathered, then sent as one message. */
  private boolean toActor;
  /** The request in flight to a worker on another node, 0 when none. */
  private long remoteCall;
  private io.netty.buffer.CompositeByteBuf actorBody;
  /** When the current attempt times out (System.nanoTime), or 0 when no attempt waits. */
  private long deadline;
  /** One timer per connection, re-armed lazily: back-to-back requests schedule nothing. */
  private boolean timerArmed;
  private io.netty.util.concurrent.Future<?> timer;
  private final ArrayDeque<Object> queued = new ArrayDeque<>();

  ProxyHandler(ProxyContext px) {
    this.px = px;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
      clientIp = a.getAddress().getHostAddress();
    }
    ctx.fireChannelActive();
  }

  boolean owns(long id) {
    return busy && id == exchangeId;
  }

  // ------------------------------------------------------------------ client side

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (busy && (requestComplete || !queued.isEmpty()) || (!busy && !queued.isEmpty())) {
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
    startNanos = System.nanoTime();
    busy = true;
    sentToAWorker = false;
    exchangeId++;
    requestComplete = false;
    discarding = false;
    responseStarted = false;
    interim = false;
    interimSeen = false;
    tried.clear();
    clientVersion = req.protocolVersion();
    expectContinue = HttpUtil.is100ContinueExpected(req);
    DecoderResult decoded = req.decoderResult();
    if (decoded.isFailure()) {
      respondBadRequest(decoded.cause());
      return;
    }
    java.util.List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
    String host = hosts.isEmpty() ? null : hosts.get(0);
    if (host == null && clientVersion.equals(HttpVersion.HTTP_1_1)) {
      respond(FrontErrors.badRequest(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, "missing Host header"), false);
      return;
    }
    if (hosts.size() > 1 || (host != null && !VALID_HOST.matcher(host).matches())) {
      // RFC 9110 7.2: more than one Host, or one that is not host[:port], is a 400
      respond(FrontErrors.badRequest(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, "invalid Host header"), false);
      return;
    }
    route = px.holder().get().match(host, req.uri());
    clientKeepAlive = HttpUtil.isKeepAlive(req);
    if (route == null) {
      respond(FrontErrors.noRoute(ctx.alloc(), host, pathOf(req.uri())), clientKeepAlive);
      return;
    }
    // an upgrade (WebSocket) becomes a byte pipe; h2c, which clients such as Java's HttpClient
    // offer by default, is declined: the request is served as HTTP/1.1 (RFC 9113 3.1 allows it)
    upgrade = req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && req.headers().contains(HttpHeaderNames.UPGRADE)
        && !"h2c".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE).trim());
    String upgradeTo = upgrade ? req.headers().get(HttpHeaderNames.UPGRADE) : null;
    originalHost = host;
    ProxyHeaders.dropHopByHop(req.headers());
    ProxyHeaders.addForwarded(req.headers(), clientIp, host);
    if (px.spec().via()) {
      ProxyHeaders.addVia(req.headers());
    }
    if (upgrade) {
      req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, upgradeTo);
    }
    req.setUri(route.forwardUri(req.uri()));
    req.setProtocolVersion(HttpVersion.HTTP_1_1);
    request = req;
    replayable = io.drover.supervisor.Remote.idempotent(req.method().name());
    replayBytes = 0;
    dispatch();
  }

  private void onRequestContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (busy && !discarding && content.decoderResult().isFailure()) {
      Throwable cause = content.decoderResult().cause();
      content.release();
      if (responseStarted) {
        ctx.close(); // the answer is under way; the request was broken: end both
        return;
      }
      requestComplete = true;
      respondBadRequest(cause); // never forwarded as if complete
      return;
    }
    if (!busy || discarding) {
      content.release();
      if (last && discarding) {
        discarding = false;
        finishExchange();
      }
      return;
    }
    if (toActor) {
      gatherForActor(content, last);
      return;
    }
    int n = content.content().readableBytes();
    if (replayable && n > 0) {
      if (replayBytes + n <= REPLAY_LIMIT) {
        if (replay == null) {
          replay = new ArrayList<>(4);
        }
        replay.add(content.retainedDuplicate());
        replayBytes += n;
      } else {
        releaseReplay(); // too big to keep: retried only if nothing was sent
        replayable = false;
      }
    }
    if (last) {
      requestComplete = true;
    }
    if (backend == null) {
      pendingBody.add(content);
      pauseReads(); // until a worker connection is attached
    } else {
      backend.write(content, backend.voidPromise());
      if (!backend.isWritable()) {
        pauseReads();
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (backend != null) {
      backend.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (backend != null && ctx.channel().isWritable()) {
      backend.config().setAutoRead(true);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && !busy) {
      ctx.close();
    } else {
      ReferenceCountUtil.release(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (busy) {
      abandonExchange(); // the client left: nobody waits for the answer
    }
    queued.forEach(ReferenceCountUtil::release);
    queued.clear();
    if (timer != null) {
      timer.cancel(false); // do not keep a closed connection's handler until the timer fires
      timer = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  // ------------------------------------------------------------------ worker side

  /** Picks a worker for the request and attaches a connection to it. */
  private void dispatch() {
    // a WebSocket is a byte pipe, and a body declared larger than max-body cannot travel as a
    // message: only this node's workers can take those
    boolean localOnly = upgrade || HttpUtil.getContentLength(request, -1L) > route.maxBody();
    Endpoint e = route.balancer().select(route.endpoints(), localOnly ? route.withRemotes(tried) : tried);
    if (e == null) {
      if (localOnly && !upgrade && route.hasAvailableRemote()) {
        respond(FrontErrors.tooLarge(ctx.alloc(), route.app(), route.maxBody()), false);
      } else if (tried.isEmpty()) {
        respond(FrontErrors.noReadyWorker(ctx.alloc(), route.app()), requestComplete && clientKeepAlive);
      } else {
        Endpoint last = tried.get(tried.size() - 1);
        respond(FrontErrors.workerFailed(ctx.alloc(), route.app(), last.toString(), "no other worker to retry on"),
            requestComplete && clientKeepAlive);
      }
      return;
    }
    if (!tried.isEmpty()) {
      route.meters().retried();
    }
    tried.add(e);
    endpoint = e;
    e.inFlight.incrementAndGet();
    if (e.actor || e.remote) {
      toActor = true;
      deadline = System.nanoTime() + route.spec().requestTimeout().toNanos();
      if (!timerArmed) {
        armTimer(route.spec().requestTimeout().toNanos());
      }
      if (requestComplete) {
        sendToActor();
      } else {
        resumeReads();
      }
      return;
    }
    Channel pooled = upgrade ? null : BackendPool.current().acquire(e);
    if (pooled != null) {
      attach(pooled);
      return;
    }
    long id = exchangeId;
    ChannelFuture connect =
        px.backends().clone(ctx.channel().eventLoop()).handler(FrontServer.backendInitializer(px, e)).connect(e.address);
    connect.addListener(
        (ChannelFuture f) -> {
          if (!owns(id) || endpoint != e) {
            f.channel().close();
          } else if (f.isSuccess()) {
            attach(f.channel());
          } else {
            backendFailed(null, f.cause(), true);
          }
        });
  }

  /**
   * Writes to the worker use void promises: a failed write fires exceptionCaught on the worker
   * connection, which ends up in {@link #backendFailed}.
   */
  private void attach(Channel ch) {
    backend = ch;
    BackendHandler h = ch.pipeline().get(BackendHandler.class);
    h.bind(this, exchangeId);
    ch.config().setAutoRead(true);
    ch.write(request, ch.voidPromise());
    sentToAWorker = true;
    if (tried.size() > 1 && replayable) {
      if (replay != null) {
        for (HttpContent c : replay) {
          ch.write(c.retainedDuplicate(), ch.voidPromise());
        }
      }
      boolean lastKept = replay != null && replay.get(replay.size() - 1) instanceof LastHttpContent;
      if (requestComplete && !lastKept) {
        ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
      }
      pendingBody.forEach(HttpContent::release);
      pendingBody.clear();
    } else {
      for (HttpContent c = pendingBody.poll(); c != null; c = pendingBody.poll()) {
        ch.write(c, ch.voidPromise());
      }
    }
    ch.flush();
    deadline = System.nanoTime() + route.spec().requestTimeout().toNanos();
    if (!timerArmed) {
      armTimer(route.spec().requestTimeout().toNanos());
    }
    if (!requestComplete && ch.isWritable()) {
      resumeReads();
    }
  }

  void onResponse(HttpResponse res) {
    int code = res.status().code();
    if (code >= 100 && code < 200 && code != 101) {
      interim = true; // 100 Continue and friends: pass on, the real answer follows
      interimSeen = true;
      ctx.write(res);
      return;
    }
    responseStarted = true;
    responseStatus = code;
    cancelTimeout();
    if (code == 101 && upgrade) {
      route.meters().answered(code, startNanos);
      switchToTunnel(res);
      return;
    }
    backendKeepAlive = HttpUtil.isKeepAlive(res);
    res.setProtocolVersion(HttpVersion.HTTP_1_1); // a proxy answers with its own version (RFC 9110 6.2)
    ProxyHeaders.dropHopByHop(res.headers());
    boolean mayHaveBody = !request.method().equals(HttpMethod.HEAD) && code != 204 && code != 304;
    if (mayHaveBody && !HttpUtil.isContentLengthSet(res) && !HttpUtil.isTransferEncodingChunked(res)) {
      // the worker ends the body by closing: re-frame it for a keep-alive client
      if (clientVersion.equals(HttpVersion.HTTP_1_1)) {
        HttpUtil.setTransferEncodingChunked(res, true);
      } else {
        clientKeepAlive = false;
      }
    }
    if (!clientKeepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (clientVersion.equals(HttpVersion.HTTP_1_0)) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    if (px.spec().via()) {
      ProxyHeaders.addVia(res.headers());
    }
    ctx.write(res);
  }

  void onResponseContent(HttpContent content) {
    if (interim) {
      if (content instanceof LastHttpContent) {
        interim = false;
        ctx.writeAndFlush(content);
      } else {
        content.release();
      }
      return;
    }
    if (content instanceof LastHttpContent) {
      completeExchange(ctx.write(content));
      return;
    }
    ctx.write(content);
    if (!ctx.channel().isWritable() && backend != null) {
      backend.config().setAutoRead(false);
    }
  }

  void flushToClient() {
    ctx.flush();
  }

  void backendWritabilityChanged(boolean writable) {
    if (writable && !requestComplete) {
      resumeReads();
    }
  }

  /**
   * The connection to the worker failed. Before any answer: take a refusing worker out of
   * rotation and retry elsewhere when safe, else 502. After the answer began: the client's
   * connection is closed (the answer is cut and cannot be completed).
   */
  void backendFailed(Channel ch, Throwable cause, boolean connectFailed) {
    if (!busy || (ch != null && ch != backend)) {
      return;
    }
    Endpoint e = endpoint;
    boolean reused = ch != null && ch.pipeline().get(BackendHandler.class) != null && ch.pipeline().get(BackendHandler.class).reused;
    dropBackend(false);
    if (responseStarted) {
      ctx.close();
      return;
    }
    cancelTimeout();
    if (connectFailed || (!reused && cause instanceof java.io.IOException)) {
      if (!e.down) {
        e.down = true;
        px.front().tell(new Front.EndpointFailed(e));
      }
    }
    // safe to retry: the whole request is still here (nothing ever left), or it is idempotent
    // and its whole body so far was kept
    boolean nothingSent = connectFailed && !sentToAWorker;
    if (tried.size() <= route.spec().retries() && (nothingSent || replayable)) {
      dispatch();
      return;
    }
    String reason = connectFailed && cause instanceof ConnectException ? "connection refused" : String.valueOf(cause.getMessage());
    respond(FrontErrors.workerFailed(ctx.alloc(), route.app(), e.toString(), reason), requestComplete && clientKeepAlive);
  }

  private void armTimer(long nanos) {
    timerArmed = true;
    timer = ctx.executor().schedule(this::checkTimeout, nanos, TimeUnit.NANOSECONDS);
  }

  private void checkTimeout() {
    timerArmed = false;
    if (!busy || deadline == 0 || responseStarted || !ctx.channel().isActive()) {
      return; // re-armed by the next attempt
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      armTimer(left);
      return;
    }
    long millis = route.spec().requestTimeout().toMillis();
    Endpoint e = endpoint;
    boolean clientLate = awaitingClientBody();
    dropBackend(false); // closed, never pooled: it may hold part of a body or an answer still to come
    if (clientLate) {
      // the client, not the worker, is late: 408, the worker is not blamed, and the connection
      // closes (the rest of the body would have to be read to find the next request)
      respond(FrontErrors.badRequest(ctx.alloc(), HttpResponseStatus.REQUEST_TIMEOUT,
          "request body not received within request-timeout (" + millis + "ms)"), false);
      return;
    }
    respond(FrontErrors.timeout(ctx.alloc(), route.app(), e == null ? null : e.toString(), millis),
        requestComplete && clientKeepAlive);
  }

  /**
   * Whether the exchange waits for the client's body: it is incomplete while the front reads
   * (not paused by a worker connection that takes no more, or not yet attached) and the client
   * is not waiting for the worker's 100 Continue.
   */
  private boolean awaitingClientBody() {
    return !requestComplete && !readsPaused && (backend != null || toActor) && (!expectContinue || interimSeen);
  }

  // ------------------------------------------------------------------ actor workers

  private void gatherForActor(HttpContent content, boolean last) {
    if (actorBody == null) {
      actorBody = ctx.alloc().compositeBuffer(64);
    }
    if (content.content().isReadable()) {
      actorBody.addComponent(true, content.content().retain());
    }
    content.release();
    if (actorBody.readableBytes() > route.maxBody()) {
      respond(FrontErrors.tooLarge(ctx.alloc(), route.app(), route.maxBody()), false);
      return;
    }
    if (last) {
      requestComplete = true;
      if (endpoint != null) {
        sendToActor();
      }
    }
  }

  /** The whole request, as one message to the worker's actor; the answer comes back on this loop. */
  private void sendToActor() {
    if (endpoint.remote) {
      sendToRemote();
      return;
    }
    io.drover.worker.Request r = WholeMessages.workerRequest(request, WholeMessages.bytes(actorBody));
    endpoint.worker.tell(new io.drover.supervisor.ActorWorker.Handle(r, new WholeMessages.ActorReply(this, exchangeId, ctx.channel().eventLoop())));
  }

  /** The request, whole, as a message to a worker on another node (see {@link RemoteCalls}). */
  private void sendToRemote() {
    remoteCall = px.holder().remote.send(endpoint.worker, request.method().name(), request.uri(),
        WholeMessages.headerPairs(request.headers()), WholeMessages.bytes(actorBody),
        route.spec().requestTimeout(), new WholeMessages.RemoteReply(this, exchangeId, ctx.channel().eventLoop()));
  }

  void onRemoteAnswer(long id, io.drover.supervisor.Remote.Answer answer) {
    remoteCall = 0;
    answerWhole(id, answer.status(), answer.body(), h -> {
      for (int i = 0; i + 1 < answer.headers().size(); i += 2) {
        h.add(answer.headers().get(i), answer.headers().get(i + 1));
      }
    });
  }

  /** The worker's node was lost before it answered: tried elsewhere when that is safe, else 502. */
  void onRemoteLost(long id, String why) {
    remoteCall = 0;
    if (!owns(id) || !toActor || responseStarted) {
      return;
    }
    if (replayable) {
      onActorRefused(id, why);
      return;
    }
    Endpoint e = endpoint;
    dropBackend(false);
    cancelTimeout();
    respond(FrontErrors.workerFailed(ctx.alloc(), route.app(), e.toString(), why), clientKeepAlive);
  }

  void onActorAnswer(long id, io.drover.worker.Response answer) {
    answerWhole(id, answer.status(), answer.body(), h -> answer.headers().forEach(h::set));
  }

  /** Answers the client with a whole response from an actor worker or a worker on another node. */
  private void answerWhole(long id, int status, byte[] body, java.util.function.Consumer<io.netty.handler.codec.http.HttpHeaders> headers) {
    if (!owns(id) || !toActor) {
      return;
    }
    responseStarted = true;
    cancelTimeout();
    io.netty.handler.codec.http.FullHttpResponse res =
        new io.netty.handler.codec.http.DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), io.netty.buffer.Unpooled.wrappedBuffer(body));
    headers.accept(res.headers());
    ProxyHeaders.dropHopByHop(res.headers());
    res.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    HttpUtil.setContentLength(res, body.length);
    if (!clientKeepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (clientVersion.equals(HttpVersion.HTTP_1_0)) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    if (px.spec().via()) {
      ProxyHeaders.addVia(res.headers());
    }
    route.meters().answered(status, startNanos);
    boolean keep = clientKeepAlive;
    ChannelFuture written = ctx.writeAndFlush(res);
    dropBackend(false);
    if (!keep) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
    finishExchange();
  }

  void onActorRefused(long id, String why) {
    remoteCall = 0;
    if (!owns(id) || !toActor || responseStarted) {
      return;
    }
    dropBackend(false);
    cancelTimeout();
    if (tried.size() <= route.spec().retries()) {
      dispatch(); // another worker of the app, if one is available
    } else {
      respond(FrontErrors.noReadyWorker(ctx.alloc(), route.app()), clientKeepAlive);
    }
  }

  // ------------------------------------------------------------------ endings

  /** The worker's answer is complete: keep both connections when they allow it. */
  private void completeExchange(ChannelFuture written) {
    route.meters().answered(responseStatus, startNanos);
    boolean keepClient = clientKeepAlive;
    ctx.flush();
    dropBackend(backendKeepAlive && requestComplete);
    if (!keepClient) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
    if (!requestComplete) {
      discarding = true; // the worker answered before the body ended: drop the rest
      resumeReads();
      return;
    }
    finishExchange();
  }

  /** Answers the request with a response the front made (errors). */
  private void respond(FullHttpResponse response, boolean keepAlive) {
    if (endpoint != null) {
      dropBackend(false);
    }
    if (route != null) {
      int code = response.status().code();
      route.meters().answered(code, startNanos);
      switch (code) {
        case 503 -> route.meters().error(AppMeters.ErrorKind.NO_WORKER);
        case 504 -> route.meters().error(AppMeters.ErrorKind.TIMEOUT);
        case 502 -> route.meters().error(AppMeters.ErrorKind.WORKER_FAILED);
        default -> { }
      }
    }
    cancelTimeout();
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      clearExchange();
      busy = false;
      return;
    }
    ctx.writeAndFlush(response);
    if (!requestComplete) {
      discarding = true;
      resumeReads();
      return;
    }
    finishExchange();
  }

  private void respondBadRequest(Throwable cause) {
    HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
    if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    } else if (cause instanceof TooLongFrameException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    respond(FrontErrors.badRequest(ctx.alloc(), status, "bad request: " + cause.getMessage()), false);
  }

  /** Ends the exchange and starts on any pipelined request. */
  private void finishExchange() {
    clearExchange();
    busy = false;
    // feed the next request, and its body as far as it has arrived
    while (!queued.isEmpty() && !(busy && requestComplete)) {
      handle(queued.poll());
    }
    if (queued.isEmpty() && (!busy || (!requestComplete && backend != null))) {
      resumeReads();
    }
  }

  /** Stops reading from the client (body while no worker is attached, pipelined requests, backpressure). */
  private void pauseReads() {
    if (!readsPaused) {
      readsPaused = true;
      ctx.channel().config().setAutoRead(false);
    }
  }

  private void resumeReads() {
    if (readsPaused) {
      readsPaused = false;
      ctx.channel().config().setAutoRead(true);
    }
  }

  /** The client went away mid-exchange. */
  private void abandonExchange() {
    dropBackend(false);
    cancelTimeout();
    clearExchange();
    busy = false;
  }

  /** Lets go of the worker connection: back to the pool, or closed; in-flight count returned. */
  private void dropBackend(boolean reusable) {
    Channel ch = backend;
    Endpoint e = endpoint;
    backend = null;
    endpoint = null;
    if (e != null) {
      e.inFlight.decrementAndGet();
    }
    if (ch == null) {
      return;
    }
    BackendHandler h = ch.pipeline().get(BackendHandler.class);
    if (h != null) {
      h.unbind();
    }
    if (reusable && h != null) {
      ch.config().setAutoRead(true); // backpressure from this client must not stick to the pooled connection
      BackendPool.current().release(h.endpoint, ch, px.spec().poolMaxIdle());
    } else {
      ch.close();
    }
  }

  private void clearExchange() {
    pendingBody.forEach(HttpContent::release);
    pendingBody.clear();
    toActor = false;
    if (remoteCall != 0) {
      px.holder().remote.forget(remoteCall); // timed out or closed: its answer is not awaited
      remoteCall = 0;
    }
    if (actorBody != null) {
      actorBody.release();
      actorBody = null;
    }
    releaseReplay();
    request = null;
    route = null;
    upgrade = false;
  }

  private void releaseReplay() {
    if (replay != null) {
      replay.forEach(HttpContent::release);
      replay = null;
    }
    replayBytes = 0;
  }

  private void cancelTimeout() {
    deadline = 0;
  }

  // ------------------------------------------------------------------ protocol switch

  /**
   * 101 from the worker: the two connections become one byte pipe until either side closes. Both
   * pipelines switch at once, while the 101 is being read: bytes the worker sent right behind it
   * (a server that speaks first) leave its HTTP decoder as raw bytes into the tunnel.
   */
  private void switchToTunnel(HttpResponse res) {
    Channel worker = backend;
    Endpoint e = endpoint;
    worker.pipeline().get(BackendHandler.class).unbind();
    backend = null;
    endpoint = null; // the in-flight count stays until the tunnel closes
    Channel client = ctx.channel();
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable onClose = () -> {
      if (closed.compareAndSet(false, true)) {
        e.inFlight.decrementAndGet();
      }
    };
    res.setProtocolVersion(HttpVersion.HTTP_1_1);
    ctx.writeAndFlush(res).addListener(f -> {
      if (!f.isSuccess()) {
        worker.close();
        client.close();
        onClose.run();
      }
    });
    // the 101 went through the client's encoder above: from here on both sides carry raw bytes
    client.pipeline().replace("proxy", "tunnel", new Tunnel(worker, onClose));
    client.pipeline().remove("idle");
    client.pipeline().remove("http");
    worker.pipeline().replace("backend", "tunnel", new Tunnel(client, onClose));
    worker.pipeline().remove("idle");
    worker.pipeline().remove("http"); // what it had read past the 101 goes on to the tunnel
    readsPaused = false;
    client.config().setAutoRead(true);
    worker.config().setAutoRead(true);
    if (!worker.isActive()) {
      client.close();
      onClose.run();
    }
    clearExchange();
    busy = false;
  }

  // ------------------------------------------------------------------ helpers


  private static String pathOf(String uri) {
    int q = uri.indexOf('?');
    String path = q >= 0 ? uri.substring(0, q) : uri;
    if (path.startsWith("http://") || path.startsWith("https://")) { // absolute form
      int slash = path.indexOf('/', path.indexOf("//") + 2);
      path = slash >= 0 ? path.substring(slash) : "/";
    }
    return path.isEmpty() ? "/" : path;
  }
}
