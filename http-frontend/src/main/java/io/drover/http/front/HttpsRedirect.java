package io.drover.http.front;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.regex.Pattern;

/**
 * The plain listener with {@code http.redirect-to-https}: every request is answered 308 (method
 * and body kept by the client) with the same host and path on the TLS port. Nothing is proxied.
 */
final class HttpsRedirect extends ChannelInboundHandlerAdapter {
  /** A Host header a Location may be built from: a name or IPv4 address, or [IPv6], and a port. */
  private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?");
  private final int tlsPort;
  private boolean keepAlive = true;

  HttpsRedirect(int tlsPort) {
    this.tlsPort = tlsPort;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (req.decoderResult().isFailure() || host == null || !HOST.matcher(host).matches() || !req.uri().startsWith("/")) {
          FullHttpResponse bad = FrontErrors.badRequest(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
              "a valid request with a Host header and an origin-form target is needed to redirect to https");
          bad.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
          ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
          return;
        }
        keepAlive = HttpUtil.isKeepAlive(req);
        FullHttpResponse res =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT, ctx.alloc().buffer(0));
        res.headers().set(HttpHeaderNames.LOCATION, location(host, req.uri())).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (!keepAlive) {
          res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(res);
      }
      if (msg instanceof LastHttpContent && ctx.channel().isActive()) {
        // answered once the request (and any body) is read, so that the next one parses
        if (keepAlive) {
          ctx.flush();
        } else {
          ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  String location(String host, String uri) {
    String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
        : host.indexOf(':') >= 0 ? host.substring(0, host.indexOf(':')) : host;
    return "https://" + name + (tlsPort == 443 ? "" : ":" + tlsPort) + uri;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
