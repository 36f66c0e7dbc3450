package io.drover.http.front;

import io.drover.http.ErrorJson;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The responses the front makes itself, each with a JSON body ({@link ErrorJson}) saying what
 * happened and which app: no route 404, no ready worker 503 (with Retry-After), body too large
 * 413, bad request 400/414/431, request head or body too slow 408, and the answers of the
 * {@link FailurePolicy} (500, 502, 503, 504).
 */
final class FrontErrors {
  private FrontErrors() {}

  static FullHttpResponse noRoute(ByteBufAllocator alloc, String host, String uri) {
    return json(alloc, 404, ErrorJson.bytes(404, "no route for this host and path", "host", host, "path", pathOf(uri)));
  }

  private static String pathOf(String uri) {
    int q = uri.indexOf('?');
    String path = q >= 0 ? uri.substring(0, q) : uri;
    if (path.startsWith("http://") || path.startsWith("https://")) { // absolute form
      int slash = path.indexOf('/', path.indexOf("//") + 2);
      path = slash >= 0 ? path.substring(slash) : "/";
    }
    return path.isEmpty() ? "/" : path;
  }

  /** The node's front is up but its routes are not published yet (a moment at start): 503, try again. */
  static FullHttpResponse starting(ByteBufAllocator alloc) {
    FullHttpResponse res = json(alloc, 503, ErrorJson.bytes(503, "starting: routes not loaded yet"));
    res.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    return res;
  }

  static FullHttpResponse noReadyWorker(ByteBufAllocator alloc, String app) {
    return failure(alloc, new FailurePolicy.Respond(503, "no ready worker"), app, null);
  }

  /** The failure policy's answer about {@code app}'s request; {@code worker} is the last one tried, or null. */
  static FullHttpResponse failure(ByteBufAllocator alloc, FailurePolicy.Respond r, String app, String worker) {
    byte[] body = worker == null
        ? ErrorJson.bytes(r.status(), r.error(), "app", app)
        : ErrorJson.bytes(r.status(), r.error(), "app", app, "worker", worker);
    FullHttpResponse res = json(alloc, r.status(), body);
    if (r.status() == 503) {
      res.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    }
    return res;
  }

  /**
   * No worker could be given the request: 413 when only this node's workers may take it and
   * only other nodes' are free (a body too large to travel), 503 when none was ready, else the
   * failure policy's answer about its last attempt, with no other worker left to retry on.
   */
  static FullHttpResponse unserved(ByteBufAllocator alloc, Exchange e, boolean localOnly) {
    RouteSnapshot.Route route = e.route;
    if (localOnly && !e.upgrade && route.hasAvailableRemote()) {
      return tooLarge(alloc, route.app(), route.maxBody());
    }
    if (e.tried.isEmpty()) {
      return noReadyWorker(alloc, route.app());
    }
    String last = e.tried.get(e.tried.size() - 1).toString();
    FailurePolicy.Decision d = FailurePolicy.decide(e.lastFailure, false, false, 0, e.lastDetail + "; no other worker to retry on");
    return failure(alloc, (FailurePolicy.Respond) d, route.app(), last);
  }

  /** Every worker is at its limit and the app's queue is full: 503, try again shortly. */
  static FullHttpResponse queueFull(ByteBufAllocator alloc, String app, int maxLength) {
    return failure(alloc, new FailurePolicy.Respond(503,
        "queue full: every worker is at its max-concurrency and " + maxLength + " requests wait already"), app, null);
  }

  /** The request waited in the app's queue for its whole timeout: 503, try again shortly. */
  static FullHttpResponse queueTimeout(ByteBufAllocator alloc, String app, long millis) {
    return failure(alloc, new FailurePolicy.Respond(503,
        "queue timeout: no worker was free within " + millis + "ms"), app, null);
  }

  static FullHttpResponse tooLarge(ByteBufAllocator alloc, String app, long maxBody) {
    return json(alloc, 413, ErrorJson.bytes(413, "request body larger than max-body (" + maxBody + " bytes)", "app", app));
  }

  /** A request (its body within max-body) too large, with its head, to travel to another node's worker as one message: 413. */
  static FullHttpResponse tooLargeToTravel(ByteBufAllocator alloc, String app, long maxMessage) {
    return json(alloc, 413, ErrorJson.bytes(413,
        "request larger than one message between cluster nodes (drover.cluster.max-message = " + maxMessage + " bytes)", "app", app));
  }

  /** The client did not send a complete request head in time (slowloris and friends): 408, then the connection closes. */
  static FullHttpResponse headTimeout(ByteBufAllocator alloc, long millis) {
    FullHttpResponse r = badRequest(alloc, HttpResponseStatus.REQUEST_TIMEOUT, "request head not received within " + millis + "ms");
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return r;
  }

  /** A request the codec could not read: 414 for a long request line, 431 for long headers, else 400. */
  static FullHttpResponse undecodable(ByteBufAllocator alloc, Throwable cause) {
    HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
        || cause instanceof io.netty.handler.codec.TooLongFrameException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    return badRequest(alloc, status, "bad request: " + cause.getMessage());
  }

  static FullHttpResponse badRequest(ByteBufAllocator alloc, HttpResponseStatus status, String reason) {
    return json(alloc, status.code(), ErrorJson.bytes(status.code(), reason));
  }

  private static FullHttpResponse json(ByteBufAllocator alloc, int status, byte[] body) {
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), alloc.buffer(body.length).writeBytes(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return r;
  }
}
