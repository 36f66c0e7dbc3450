package io.drover.http.front;

import io.drover.http.front.Exchange.Phase;
import io.drover.supervisor.WorkerFailure;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Exception;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client connection's {@link ProxyHandler} does when its exchange cannot go on as asked:
 * no slot for it, its deadline passed, or an attempt failed. The {@link FailurePolicy} decides
 * between another worker and an answer the front makes ({@link FrontErrors}).
 */
final class ExchangeFailures {
  private static final Logger log = LoggerFactory.getLogger(ExchangeFailures.class);

  private ExchangeFailures() {}

  /**
   * The client's connection failed under {@code e} (null: between requests) and is closed. A
   * broken connection or bytes that are not HTTP (or not TLS) are the client's business; anything
   * else is a fault of the front, logged with the exchange it cut short, never closed in silence.
   */
  static void connectionFailed(ProxyHandler conn, Exchange e, Throwable cause) {
    if (!unexpected(cause)) {
      log.debug("client connection {} failed: {}", conn.ctx.channel(), cause.toString());
    } else {
      log.error("closing client connection {} on an unexpected error{}", conn.ctx.channel(),
          e == null ? " between requests" : " (request " + e.requestId + ", " + e.request.method() + " " + e.uri + ", " + e.phase() + ")",
          cause);
    }
    conn.ctx.close();
  }

  /**
   * Whether an error on a connection (a client's or a worker's) is none of a connection's
   * ordinary troubles (broken, or bytes that are not HTTP, TLS or HTTP/2): a fault of the front.
   */
  static boolean unexpected(Throwable cause) {
    return !(cause instanceof IOException || cause instanceof DecoderException || cause instanceof Http2Exception);
  }

  /** The app's queue was full ({@code full}), or no worker in rotation could ever take the request. */
  static void notAdmitted(ProxyHandler conn, Exchange e, boolean full, boolean localOnly) {
    RouteSnapshot.Route route = e.route;
    if (full) {
      conn.respond(FrontErrors.queueFull(conn.ctx.alloc(), route.app(), route.queue().capacity().queueLength()),
          e.keepAliveAfterError(), AppMeters.ErrorKind.QUEUE_FULL);
      return;
    }
    FullHttpResponse r = FrontErrors.unserved(conn.ctx.alloc(), e, localOnly);
    conn.respond(r, r.status().code() != 413 && e.keepAliveAfterError());
  }

  /** The exchange's deadline passed: its wait in the queue, the client's body, or the worker's answer. */
  static void timedOut(ProxyHandler conn, Exchange e) {
    if (e.phase() == Phase.QUEUED) {
      if (e.route.queue().cancel(e.waiter)) { // else a slot was given meanwhile, and is on its way
        conn.respond(FrontErrors.queueTimeout(conn.ctx.alloc(), e.route.app(), e.route.queue().capacity().queueTimeout().toMillis()),
            e.keepAliveAfterError(), AppMeters.ErrorKind.QUEUE_TIMEOUT);
      }
      return;
    }
    long millis = e.route.spec().requestTimeout().toMillis();
    if (!e.body.complete() && !conn.readsPaused && e.transport.waitsForBody() && (e.interimSeen || !e.expectsContinue())) {
      // the client, not the worker, is late: 408, the worker is not blamed, and the connection
      // closes (the rest of the body would have to be read to find the next request)
      conn.endAttempt(false, System.nanoTime());
      conn.respond(FrontErrors.badRequest(conn.ctx.alloc(), HttpResponseStatus.REQUEST_TIMEOUT,
          "request body not received within request-timeout (" + millis + "ms)"), false);
      return;
    }
    // never pooled: the connection may hold part of a body or an answer still to come
    attemptFailed(conn, e, WorkerFailure.TIMED_OUT, "within " + millis + "ms");
  }

  /** The current attempt failed: the policy decides between another worker and an answer. */
  static void attemptFailed(ProxyHandler conn, Exchange e, WorkerFailure failure, String detail) {
    boolean begun = e.answerBegun();
    String worker = String.valueOf(e.endpoint);
    if (failure != WorkerFailure.REFUSED && e.endpoint != null) { // a worker declining work (busy) is not failing
      e.endpoint.failed(e.route.spec().outlier(), conn.px.front(), failure, detail);
    }
    long now = System.nanoTime(); // the failed attempt's end, and a retry's start
    conn.endAttempt(false, now);
    e.lastFailure = failure;
    e.lastDetail = detail;
    FailurePolicy.Decision d = FailurePolicy.decide(failure, begun, e.body.replayable(), e.retriesLeft(), detail);
    if (d instanceof FailurePolicy.Retry && !e.route.traffic().budget.tryRetry()) {
      e.route.meters().retryDenied();
      d = FailurePolicy.decide(failure, begun, e.body.replayable(), 0, detail + "; retry budget spent");
    }
    if (log.isDebugEnabled()) {
      log.debug("request {} ({} {}, {}, body {}): attempt {} on {} failed ({}: {}): {}", e.requestId, e.request.method(), e.uri,
          e.phase(), e.body.complete() ? "complete" : "still arriving", e.tried.size(), worker, failure, detail, d);
    }
    if (d instanceof FailurePolicy.Retry) {
      e.to(Phase.ROUTING);
      e.body.rewind();
      conn.dispatch(now);
    } else if (d instanceof FailurePolicy.Respond r) {
      conn.respond(FrontErrors.failure(conn.ctx.alloc(), r, e.route.app(), worker), e.keepAliveAfterError());
    } else if (GrpcAnswers.isGrpc(e.request)) {
      // a gRPC client reads a reset stream as CANCELLED: the call ends with UNAVAILABLE trailers
      conn.ctx.writeAndFlush(GrpcAnswers.unavailableTrailers(detail)).addListener(ChannelFutureListener.CLOSE);
      conn.clearExchange();
    } else {
      conn.ctx.close(); // the answer was cut: the client must not take it for complete
      conn.clearExchange();
    }
  }
}
