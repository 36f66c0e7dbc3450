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

  static FullHttpResponse tooLarge(ByteBufAllocator alloc, String app, long maxBody) {
    return json(alloc, 413, ErrorJson.bytes(413, "request body larger than max-body (" + maxBody + " bytes)", "app", app));
  }

  /** The client did not send a complete request head in time (slowloris and friends): 408, then the connection closes. */
  static FullHttpResponse headTimeout(ByteBufAllocator alloc, long millis) {
    FullHttpResponse r = badRequest(alloc, HttpResponseStatus.REQUEST_TIMEOUT, "request head not received within " + millis + "ms");
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return r;
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
