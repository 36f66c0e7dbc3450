package io.drover.http.front;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of one HTTP/2 stream to an h2c worker ({@link WorkerStreams}): hands the worker's answer,
 * as HTTP/1 objects, to the request's {@link H2cTransport}, and tells it how the stream failed. A
 * stream the worker refused (RST_STREAM REFUSED_STREAM, or past the last stream id of its GOAWAY)
 * was not processed (RFC 9113 8.7): the request may go to another worker whatever its method.
 */
final class WorkerStream extends ChannelInboundHandlerAdapter {
  private BackendHandler.User user;
  private long id;
  /** The worker did not process the stream. */
  boolean refused;
  /** Why the worker reset the stream, when it did. */
  String reset;

  void bind(BackendHandler.User user, long id) {
    this.user = user;
    this.id = id;
  }

  void unbind() {
    user = null;
  }

  private BackendHandler.User current() {
    BackendHandler.User u = user;
    return u != null && u.owns(id) ? u : null;
  }

  /**
   * Whether nothing of the request reached the worker: refused by it, or its head never went out
   * (the stream was never created: no id yet, or the codec refused to create it, as past the
   * worker's stream limit).
   */
  boolean nothingSent(Http2StreamChannel ch, Throwable cause) {
    return refused || ch.stream().id() <= 0 || ch.stream().state() == Http2Stream.State.IDLE
        || (cause instanceof Http2Exception h && h.error() == Http2Error.REFUSED_STREAM);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2ResetFrame || msg instanceof Http2GoAwayFrame) {
      userEventTriggered(ctx, msg);
      return;
    }
    BackendHandler.User u = current();
    if (u == null) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse response) {
      u.onResponse(response); // a whole answer (trailers-only) is taken here, content and all
    } else if (msg instanceof HttpContent content) {
      u.onResponseContent(content);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof Http2ResetFrame r) {
      refused = r.errorCode() == Http2Error.REFUSED_STREAM.code();
      Http2Error error = Http2Error.valueOf(r.errorCode());
      reset = "the worker reset the stream (" + (error == null ? r.errorCode() : error.name()) + ")";
      ctx.close();
    } else if (evt instanceof Http2GoAwayFrame) {
      refused = true; // only streams past the GOAWAY's last stream id hear of it
      reset = "the worker went away before taking the stream (GOAWAY)";
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    BackendHandler.User u = current();
    if (u != null) {
      u.readComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    BackendHandler.User u = current();
    if (u != null) {
      u.writabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    BackendHandler.User u = current();
    if (u != null) {
      u.failed(ctx.channel(), new java.nio.channels.ClosedChannelException());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    BackendHandler.User u = current();
    if (u != null) {
      u.failed(ctx.channel(), cause);
    }
    ctx.close();
  }
}
