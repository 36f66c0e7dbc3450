package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import java.util.List;

/**
 * What runs on a client connection of the front: the plain listener speaks HTTP/1.1 (with h2c
 * prior knowledge beside it when on, or only a redirect to https); the TLS listener picks its
 * certificate by SNI, then speaks h2 or http/1.1 as ALPN agreed. Every request, whatever the
 * protocol, ends in the same {@link ClientTimeouts} and {@link ProxyHandler}.
 */
final class FrontPipelines {
  /** Longest ClientHello read while looking for the SNI name. */
  static final int MAX_CLIENT_HELLO = 16 * 1024;
  /** Time a client has to send its ClientHello. */
  static final long HELLO_TIMEOUT_MILLIS = 10_000;

  private FrontPipelines() {}

  /** The plain listener's connections; {@code tlsPort} is where a redirect points (0: no redirect). */
  static ChannelInitializer<SocketChannel> plain(ProxyContext px, int tlsPort) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        if (px.spec().redirectToHttps()) {
          ch.pipeline()
              .addLast("http", new HttpServerCodec(px.spec().maxInitialLine(), px.spec().maxHeaderSize(), FrontServer.CHUNK))
              .addLast("deadlines", new ClientTimeouts(px.spec().idleTimeout().toMillis()))
              .addLast("redirect", new HttpsRedirect(tlsPort));
        } else if (px.spec().http2().h2c()) {
          ch.pipeline().addLast("h2c-or-http1", new PriorKnowledge(px));
        } else {
          http1(ch.pipeline(), px, false);
        }
      }
    };
  }

  /** The TLS listener's connections. */
  static ChannelInitializer<SocketChannel> tls(ProxyContext px, TlsContexts contexts) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline()
            .addLast("sni", new SniHandler(contexts, MAX_CLIENT_HELLO, HELLO_TIMEOUT_MILLIS))
            .addLast("tls-flushes", new WrittenFlushes())
            .addLast("alpn", new Alpn(px));
      }
    };
  }

  /** The HTTP/1.1 handlers, added at the end of {@code p}. */
  static void http1(ChannelPipeline p, ProxyContext px, boolean secure) {
    p.addLast("http", new FrontCodec(px.spec().maxInitialLine(), px.spec().maxHeaderSize(), FrontServer.CHUNK));
    if (ProxyHeaders.httpsProto(secure, px.spec())) {
      p.addLast("https", new SecureRequests());
    }
    p.addLast("deadlines", new ClientTimeouts(px.spec().idleTimeout().toMillis()));
    p.addLast("proxy", new ProxyHandler(px));
  }

  /** After the handshake: h2 or http/1.1, as the client and the front agreed by ALPN. */
  static final class Alpn extends ApplicationProtocolNegotiationHandler {
    private final ProxyContext px;

    Alpn(ProxyContext px) {
      super(ApplicationProtocolNames.HTTP_1_1);
      this.px = px;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
        Http2Front.configure(ctx.channel(), px, true);
      } else {
        http1(ctx.pipeline(), px, true);
      }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a failed handshake is the client's business: no stack trace per scanner
    }
  }

  /**
   * Passes a flush to TLS only when something was written since the last one. An answer is
   * flushed when its last part is written and again when the worker's read completes; a plain
   * socket shrugs the second one off, but {@code SslHandler} queues an empty buffer, a promise and
   * a wrap for it (bench/tls.sh: measured in the commit that added this).
   */
  static final class WrittenFlushes extends ChannelOutboundHandlerAdapter {
    private boolean written;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      written = true;
      ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      if (written) {
        written = false;
        ctx.flush();
      }
    }
  }

  /** Over TLS, X-Forwarded-Proto is https whatever the client sent (plain keeps the client's, as before). */
  static final class SecureRequests extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req) {
        req.headers().set(ProxyHeaders.X_FORWARDED_PROTO, ProxyHeaders.HTTPS);
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * On the plain listener with h2c on: a connection that opens with the HTTP/2 preface is HTTP/2
   * (prior knowledge), any other is HTTP/1.1. Decided on the first bytes, then gone.
   */
  static final class PriorKnowledge extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private final ProxyContext px;

    PriorKnowledge(ProxyContext px) {
      this.px = px;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
      boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
      if (prefix && n < PREFACE.readableBytes()) {
        return; // could still be either: wait for more
      }
      if (prefix) {
        Http2Front.configure(ctx.channel(), px, false);
      } else {
        http1(ctx.pipeline(), px, false);
      }
      ctx.pipeline().remove(this); // hands the bytes read so far to what was just added
    }
  }
}
