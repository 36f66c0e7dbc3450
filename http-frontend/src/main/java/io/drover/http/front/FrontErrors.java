package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The responses the front makes itself, each with a short JSON body saying what happened and
 * which app. One place maps failures to statuses: no route 404, no ready worker 503 (with
 * Retry-After), worker too slow 504, worker failed 502, bad request 400/414/431, request head too slow 408.
 */
final class FrontErrors {
  private FrontErrors() {}

  static FullHttpResponse noRoute(ByteBufAllocator alloc, String host, String path) {
    return json(alloc, HttpResponseStatus.NOT_FOUND, "no route for this host and path", null,
        "\"host\":" + quote(host) + ",\"path\":" + quote(path));
  }

  static FullHttpResponse noReadyWorker(ByteBufAllocator alloc, String app) {
    FullHttpResponse r = json(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, "no ready worker", app, null);
    r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    return r;
  }

  static FullHttpResponse timeout(ByteBufAllocator alloc, String app, String worker, long millis) {
    return json(alloc, HttpResponseStatus.GATEWAY_TIMEOUT, "worker did not answer within " + millis + "ms", app,
        "\"worker\":" + quote(worker));
  }

  static FullHttpResponse workerFailed(ByteBufAllocator alloc, String app, String worker, String reason) {
    return json(alloc, HttpResponseStatus.BAD_GATEWAY, "worker failed: " + reason, app,
        "\"worker\":" + quote(worker));
  }

  static FullHttpResponse tooLarge(ByteBufAllocator alloc, String app, long maxBody) {
    return json(alloc, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body larger than max-body (" + maxBody + " bytes)", app, null);
  }

  /** The client did not send a complete request head in time (slowloris and friends): 408, then the connection closes. */
  static FullHttpResponse headTimeout(ByteBufAllocator alloc, long millis) {
    FullHttpResponse r = json(alloc, HttpResponseStatus.REQUEST_TIMEOUT, "request head not received within " + millis + "ms", null, null);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return r;
  }

  static FullHttpResponse badRequest(ByteBufAllocator alloc, HttpResponseStatus status, String reason) {
    return json(alloc, status, reason, null, null);
  }

  private static FullHttpResponse json(
      ByteBufAllocator alloc, HttpResponseStatus status, String error, String app, String extra) {
    StringBuilder body = new StringBuilder(96).append("{\"status\":").append(status.code())
        .append(",\"error\":").append(quote(error));
    if (app != null) {
      body.append(",\"app\":").append(quote(app));
    }
    if (extra != null) {
      body.append(',').append(extra);
    }
    body.append("}\n");
    ByteBuf content = alloc.buffer(body.length());
    content.writeCharSequence(body, StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return r;
  }

  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length() && i < 512; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
