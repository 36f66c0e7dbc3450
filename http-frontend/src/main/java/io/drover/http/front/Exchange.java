package io.drover.http.front;

import io.drover.supervisor.WorkerFailure;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * One request through the front, from its head to the end of its answer. Its {@link Phase}
 * changes only along the legal transitions; the {@link ProxyHandler} of its connection drives it,
 * and a {@link Transport} carries each attempt to a worker.
 */
final class Exchange {
  /** Where an exchange stands. */
  enum Phase {
    /** The head was read; a worker is being picked (again, after a failed attempt). */
    ROUTING,
    /** Every worker that could take it is at its limit: it waits in its app's queue ({@link AppQueue}). */
    QUEUED,
    /** A connection to the picked worker is being opened. */
    CONNECTING,
    /** The head went to the worker; the client's body is still arriving. */
    SENDING,
    /** The whole request is with the worker (or on its way); no answer yet. */
    AWAITING,
    /** The answer is going to the client: nothing can be retried any more. */
    STREAMING,
    /** Answered before the client's body ended: the rest of it is read and dropped. */
    DISCARDING,
    /** The worker switched protocols (101): the connections became a byte pipe. */
    TUNNEL,
    DONE
  }

  private static final Map<Phase, EnumSet<Phase>> LEGAL = new EnumMap<>(Phase.class);

  static {
    // DONE and DISCARDING are reachable from every phase before the answer: an error the front answers
    LEGAL.put(Phase.ROUTING, EnumSet.of(Phase.QUEUED, Phase.CONNECTING, Phase.SENDING, Phase.AWAITING, Phase.DISCARDING, Phase.DONE));
    LEGAL.put(Phase.QUEUED, EnumSet.of(Phase.ROUTING, Phase.DISCARDING, Phase.DONE));
    LEGAL.put(Phase.CONNECTING, EnumSet.of(Phase.SENDING, Phase.AWAITING, Phase.ROUTING, Phase.DISCARDING, Phase.DONE));
    LEGAL.put(Phase.SENDING, EnumSet.of(Phase.AWAITING, Phase.STREAMING, Phase.TUNNEL, Phase.ROUTING, Phase.DISCARDING, Phase.DONE));
    LEGAL.put(Phase.AWAITING, EnumSet.of(Phase.STREAMING, Phase.TUNNEL, Phase.ROUTING, Phase.DISCARDING, Phase.DONE));
    LEGAL.put(Phase.STREAMING, EnumSet.of(Phase.DISCARDING, Phase.DONE));
    LEGAL.put(Phase.DISCARDING, EnumSet.of(Phase.DONE));
    LEGAL.put(Phase.TUNNEL, EnumSet.noneOf(Phase.class));
    LEGAL.put(Phase.DONE, EnumSet.noneOf(Phase.class));
  }

  final long id;
  final long startNanos;
  private Phase phase = Phase.ROUTING;

  // ---- the request
  /** Its X-Request-Id ({@link RequestIds}): sent to the worker, returned to the client, logged. */
  final String requestId;
  /** The client's address, and the request target as the client sent it (before a prefix is stripped). */
  final CharSequence client;
  final String uri;
  HttpRequest request;
  HttpVersion clientVersion;
  RouteSnapshot.Route route;
  boolean clientKeepAlive;
  /** The client asks to switch protocols (WebSocket): only this node's workers can take it. */
  boolean upgrade;
  /** Whether a 1xx came from the worker (the client may wait for it before sending its body). */
  boolean interimSeen;

  // ---- the attempts
  final List<Endpoint> tried = new ArrayList<>(3);
  /** The worker of the current attempt (its in-flight count held), or null. */
  Endpoint endpoint;
  Transport transport;
  WorkerFailure lastFailure;
  String lastDetail;
  /** When the current attempt (or the wait in the queue) times out (System.nanoTime), or 0 when none waits. */
  long deadline;
  /** Its place in its app's queue, when it had to wait for a slot (kept across attempts). */
  AppQueue.Waiter waiter;
  /** The sticky key of the request, or null. */
  String stickyKey;

  /** When the current attempt started (System.nanoTime), 0 when none is under way. */
  long attemptStart;
  /** How long the last attempt took, from picking its worker to its end; -1 when none was made. */
  long upstreamNanos = -1;

  // ---- the answer
  /** The answer's status (the worker's or the front's), 0 while there is none. */
  int status;
  /** Body bytes of the answer passed to the client. */
  long bytesOut;
  /** A 1xx answer (other than 101) is being passed on; the real one follows. */
  boolean interim;

  Exchange(long id, HttpRequest request, long startNanos, String requestId, CharSequence client) {
    this.id = id;
    this.request = request;
    this.uri = request.uri();
    this.requestId = requestId;
    this.client = client;
    this.clientVersion = request.protocolVersion();
    this.startNanos = startNanos;
  }

  Phase phase() {
    return phase;
  }

  /** Moves to {@code next}; a transition the table does not allow is a bug in the front. */
  void to(Phase next) {
    if (!LEGAL.get(phase).contains(next)) {
      throw new IllegalStateException("exchange " + id + ": " + phase + " -> " + next);
    }
    phase = next;
  }

  /**
   * Whether the client's connection may stay open after an error the front answers: the client
   * wants it, and the request's body is complete or there is none (a bodiless request's end is
   * still on its way when its head is answered). A body still arriving closes the connection
   * rather than be read only to be dropped.
   */
  boolean keepAliveAfterError() {
    return clientKeepAlive && (body.complete()
        || (!io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(request)
            && io.netty.handler.codec.http.HttpUtil.getContentLength(request, 0L) == 0));
  }

  /** An attempt ended at {@code nowNanos} (System.nanoTime): its time is kept for the access log. */
  void attemptEnded(long nowNanos) {
    if (attemptStart != 0) {
      upstreamNanos = nowNanos - attemptStart;
      attemptStart = 0;
    }
  }

  /**
   * The front answers the request itself: the answer carries the request's id, is what is logged,
   * and is counted in its app's meters as {@code kind} (null: by its status).
   */
  void answeredByFront(io.netty.handler.codec.http.FullHttpResponse response, AppMeters.ErrorKind kind) {
    response.headers().set(RequestIds.HEADER, requestId);
    status = response.status().code();
    bytesOut = response.content().readableBytes();
    if (route != null) {
      route.meters().answered(status, startNanos);
      route.meters().error(kind != null ? kind : AppMeters.ErrorKind.of(status));
    }
  }

  /** Whether the client asked for 100 Continue before sending its body (RFC 9110 10.1.1). */
  boolean expectsContinue() {
    return clientVersion.compareTo(HttpVersion.HTTP_1_1) >= 0
        && request.headers().containsValue(io.netty.handler.codec.http.HttpHeaderNames.EXPECT,
            io.netty.handler.codec.http.HttpHeaderValues.CONTINUE, true);
  }

  /** Whether the worker's answer has begun: the policy can no longer retry or answer. */
  boolean answerBegun() {
    return phase == Phase.STREAMING || phase == Phase.TUNNEL;
  }

  /** Further attempts the route allows. */
  int retriesLeft() {
    return route.spec().retries() - (tried.size() - 1);
  }

  /** The body of the request, across attempts. */
  final RequestBody body = new RequestBody();
}
