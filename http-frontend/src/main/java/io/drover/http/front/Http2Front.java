package io.drover.http.front;

import io.drover.supervisor.config.Http2Spec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 towards clients. The connection runs Netty's frame codec and multiplexer; each stream is
 * a child channel whose pipeline turns frames into HTTP/1.1 objects and runs the same handlers as
 * an HTTP/1.1 connection ({@link ClientTimeouts}, {@link ProxyHandler}), so every stream's request
 * is routed, balanced, queued, retried, timed and counted like any other request.
 *
 * <p>Hardening: at most {@code max-concurrent-streams} open streams; a header block larger than
 * {@code http.max-header-size} (across CONTINUATION frames too) ends the stream, far larger ones
 * the connection; more than {@code max-resets} stream resets within {@code reset-window} closes
 * the connection (rapid reset, CVE-2023-44487); Netty also bounds queued control frames (SETTINGS
 * and PING floods). A connection with no open stream for {@code http.idle-timeout} is closed.
 */
final class Http2Front {
  /**
   * Headers whose value differs in every answer (the request id) are sent as literals, never
   * added to the HPACK table: indexing them would only insert and evict an entry per response,
   * pushing out the ones that repeat (content-type, server, ...).
   */
  private static final Http2HeadersEncoder.SensitivityDetector UNIQUE_VALUES =
      (name, value) -> AsciiString.contentEqualsIgnoreCase(name, RequestIds.HEADER);

  private Http2Front() {}

  /** Makes {@code ch} an HTTP/2 connection of the front. */
  static void configure(Channel ch, ProxyContext px, boolean secure) {
    Http2Spec h2 = px.spec().http2();
    int maxHeaders = px.spec().maxHeaderSize();
    Http2FrameCodec codec =
        Http2FrameCodecBuilder.forServer()
            .initialSettings(Http2Settings.defaultSettings()
                .maxConcurrentStreams(h2.maxConcurrentStreams())
                .maxHeaderListSize(maxHeaders))
            .validateHeaders(true)
            .headerSensitivityDetector(UNIQUE_VALUES)
            .decoderEnforceMaxRstFramesPerWindow(h2.maxResetsPerWindow(), h2.resetWindowSeconds())
            .build();
    ChannelPipeline p = ch.pipeline();
    long idle = px.spec().idleTimeout().toMillis();
    // one TLS record and one write for what the streams answered in one read, not one per stream
    // (flushing the connection instead of its streams, once per pass of the loop, left a client
    // stream waiting for its flow-control window: FrontGrpcTest.aClientStreamReachesTheWorkerWhole)
    p.addLast("h2-flushes", new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    p.addLast("h2", codec);
    p.addLast("h2-idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
    p.addLast("h2-idle-close", new IdleClose(codec));
    p.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel stream) {
        stream.pipeline()
            .addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true, true))
            .addLast("h2-request", new StreamRequests(ProxyHeaders.httpsProto(secure, px.spec())))
            .addLast("deadlines", new ClientTimeouts(idle, true))
            .addLast("proxy", new ProxyHandler(px));
      }
    }));
    p.addLast("h2-errors", new Closer());
  }

  /** A connection error that reached the end (the codec already sent GOAWAY where it could): close, quietly. */
  static final class Closer extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /**
   * A stream's request as {@link ProxyHandler} takes an HTTP/1.1 one: a head, then content (a
   * request without a body arrives whole and is split), without Netty's {@code x-http2-*}
   * headers, a body without a length is chunked towards the worker, and over TLS X-Forwarded-Proto
   * is https whatever the client sent (when forwarded at all: {@code secure}).
   */
  static final class StreamRequests extends ChannelInboundHandlerAdapter {
    private final boolean secure;

    StreamRequests(boolean secure) {
      this.secure = secure;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof HttpRequest req)) {
        ctx.fireChannelRead(msg);
        return;
      }
      HttpHeaders h = req.headers();
      ProxyHeaders.dropHttp2Extensions(h);
      if (secure) {
        h.set(ProxyHeaders.X_FORWARDED_PROTO, ProxyHeaders.HTTPS);
      }
      if (msg instanceof FullHttpRequest full) {
        HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), h);
        if (full.content().isReadable()) {
          HttpUtil.setContentLength(head, full.content().readableBytes());
        }
        ctx.fireChannelRead(head);
        ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        return;
      }
      if (!HttpUtil.isContentLengthSet(req) && !HttpUtil.isTransferEncodingChunked(req)) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      ctx.fireChannelRead(req);
    }
  }

  /** Closes the connection when it has been idle (no frame either way) with no stream open. */
  static final class IdleClose extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;

    IdleClose(Http2FrameCodec codec) {
      this.codec = codec;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        if (codec.connection().numActiveStreams() == 0) {
          ctx.close();
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
