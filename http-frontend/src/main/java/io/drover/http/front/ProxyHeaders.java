package io.drover.http.front;

import io.drover.supervisor.config.ForwardedHeader;
import io.drover.supervisor.config.HttpSpec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.List;

/** Header rewriting on the way through: hop-by-hop headers dropped, forwarding headers added. */
final class ProxyHeaders {
  private ProxyHeaders() {}

  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  static final AsciiString VIA = AsciiString.cached("1.1 drover");
  private static final AsciiString HTTP = AsciiString.cached("http");
  static final AsciiString HTTPS = AsciiString.cached("https");
  /** The x-http2-* headers Netty's HTTP/2 to HTTP/1 conversion adds: they describe the stream, not the message. */
  private static final String[] HTTP2_EXTENSIONS = {
    HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text().toString(),
    HttpConversionUtil.ExtensionHeaderNames.SCHEME.text().toString(),
    HttpConversionUtil.ExtensionHeaderNames.PATH.text().toString(),
    HttpConversionUtil.ExtensionHeaderNames.STREAM_PROMISE_ID.text().toString(),
    HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text().toString(),
    HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text().toString(),
  };

  /**
   * The headers that concern one connection only (RFC 9110 7.6.1) beside Connection itself (and
   * those it names): never passed on, by either path an answer takes ({@link WholeAnswer} too).
   */
  static final AsciiString[] HOP_BY_HOP = {
    HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
    HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE,
  };

  /**
   * Removes the headers that concern one connection only (RFC 9110 7.6.1), including those the
   * Connection header names. Transfer-Encoding stays: it tells the codecs how the body is framed
   * and is re-applied per connection by them.
   */
  static void dropHopByHop(HttpHeaders h) {
    List<String> named = h.getAll(HttpHeaderNames.CONNECTION);
    for (String value : named) {
      for (String token : value.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && !name.equalsIgnoreCase("transfer-encoding")) {
          h.remove(name);
        }
      }
    }
    h.remove(HttpHeaderNames.CONNECTION);
    for (AsciiString name : HOP_BY_HOP) {
      h.remove(name);
    }
  }

  /** Removes the x-http2-* headers of a message that came over HTTP/2 (a client's request, an h2c worker's answer). */
  static void dropHttp2Extensions(HttpHeaders h) {
    for (String name : HTTP2_EXTENSIONS) {
      h.remove(name);
    }
  }

  /** Whether the request's TE says "trailers" (gRPC's requests do; the only TE HTTP/2 allows, RFC 9113 8.2.2). */
  static boolean teTrailers(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.TE, io.netty.handler.codec.http.HttpHeaderValues.TRAILERS, true);
  }

  /** host[:port]: a registered name or IPv4 (RFC 3986 reg-name characters) or an [IPv6] literal. */
  private static final java.util.regex.Pattern VALID_HOST =
      java.util.regex.Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{1,5})?");

  /**
   * What is wrong with a request's Host header, or null: HTTP/1.1 needs one, and more than one,
   * or one that is not host[:port], is a 400 (RFC 9110 7.2). {@code known} is a host already
   * found valid (a keep-alive connection sends the same one again and again).
   */
  static String hostProblem(HttpHeaders h, io.netty.handler.codec.http.HttpVersion version, String known) {
    java.util.Iterator<String> hosts = h.valueStringIterator(HttpHeaderNames.HOST);
    if (!hosts.hasNext()) {
      return version.equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_1) ? "missing Host header" : null;
    }
    String host = hosts.next();
    return hosts.hasNext() || !(host.equals(known) || VALID_HOST.matcher(host).matches()) ? "invalid Host header" : null;
  }

  /**
   * The protocol a request asks to switch to (WebSocket), or null. h2c, which clients such as
   * Java's HttpClient offer by default, is declined: the request is served as HTTP/1.1 (RFC 9113
   * 3.1 allows it).
   */
  static String upgradeTo(HttpHeaders h) {
    String to = h.get(HttpHeaderNames.UPGRADE);
    return to != null && !"h2c".equalsIgnoreCase(to.trim())
        && h.containsValue(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.UPGRADE, true) ? to : null;
  }

  /**
   * A client's request on its way to a worker: hop-by-hop headers out; its id, the forwarding
   * headers {@code drover.http.forward-headers} names and Via (when on) in.
   */
  static void forRequest(HttpHeaders h, CharSequence clientIp, CharSequence host, HttpSpec spec, String requestId) {
    dropHopByHop(h);
    if (spec.forwards(ForwardedHeader.X_REQUEST_ID)) {
      h.set(RequestIds.HEADER, requestId);
    }
    if (spec.forwards(ForwardedHeader.X_FORWARDED_FOR)) {
      String xff = h.get(X_FORWARDED_FOR);
      h.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
    }
    if (spec.forwards(ForwardedHeader.X_FORWARDED_PROTO) && !h.contains(X_FORWARDED_PROTO)) {
      h.set(X_FORWARDED_PROTO, HTTP);
    }
    if (host != null && spec.forwards(ForwardedHeader.X_FORWARDED_HOST) && !h.contains(X_FORWARDED_HOST)) {
      h.set(X_FORWARDED_HOST, host);
    }
    if (spec.via()) {
      addVia(h);
    }
  }

  /**
   * A worker's answer on its way to the client (hop-by-hop headers already out): the client
   * connection's own, and the request's id (the one logged, whatever id the worker may have set).
   */
  static void forResponse(HttpHeaders h, boolean keepAlive, io.netty.handler.codec.http.HttpVersion clientVersion, boolean via,
      String requestId) {
    h.set(RequestIds.HEADER, requestId);
    if (!keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
    } else if (clientVersion.equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0)) {
      h.set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.KEEP_ALIVE);
    }
    if (via) {
      addVia(h);
    }
  }

  /** Whether a request that came over TLS gets X-Forwarded-Proto: https (it is among the forwarded headers). */
  static boolean httpsProto(boolean secure, HttpSpec spec) {
    return secure && spec.forwards(ForwardedHeader.X_FORWARDED_PROTO);
  }

  /** Headers that frame a message or concern one connection: never carried whole between nodes. */
  private static final java.util.Set<String> NOT_CARRIED =
      java.util.Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
          "content-length", "expect", "host");

  /** Whether a header (name in lower case) travels with a whole message to or from another node. */
  static boolean carried(String name) {
    return !NOT_CARRIED.contains(name);
  }

  static void addVia(HttpHeaders h) {
    String via = h.get(HttpHeaderNames.VIA);
    h.set(HttpHeaderNames.VIA, via == null ? VIA : via + ", " + VIA);
  }

  /** The request's sticky key (route.sticky: a cookie, a header or a query parameter), or null when it has none. */
  static String stickyKey(io.drover.supervisor.config.StickySpec sticky, io.netty.handler.codec.http.HttpRequest req) {
    switch (sticky.source()) {
      case HEADER -> {
        String v = req.headers().get(sticky.name());
        return v == null || v.isEmpty() ? null : v;
      }
      case COOKIE -> {
        for (String header : req.headers().getAll(HttpHeaderNames.COOKIE)) {
          for (io.netty.handler.codec.http.cookie.Cookie c
              : io.netty.handler.codec.http.cookie.ServerCookieDecoder.LAX.decodeAll(header)) {
            if (c.name().equals(sticky.name()) && !c.value().isEmpty()) {
              return c.value();
            }
          }
        }
        return null;
      }
      case QUERY -> {
        java.util.List<String> v = new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).parameters().get(sticky.name());
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
      }
      default -> {
        return null;
      }
    }
  }
}
