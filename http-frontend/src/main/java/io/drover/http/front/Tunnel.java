package io.drover.http.front;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One direction of an {@link OpenTunnel}, a byte pipe between a client and a worker after a
 * protocol switch (101, e.g. WebSocket): whatever one side sends is written to the other, with
 * backpressure both ways.
 */
final class Tunnel extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private final OpenTunnel pipe;
  /** Stopped by a drain: what this side still sends is dropped. The event loop's only. */
  private boolean stopped;
  /** Bytes this side sent to the peer (for the access log); the event loop's only. */
  long bytes;

  Tunnel(Channel peer, OpenTunnel pipe) {
    this.peer = peer;
    this.pipe = pipe;
  }

  /** Nothing more from this side reaches the peer. */
  void stop() {
    stopped = true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (stopped) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof io.netty.buffer.ByteBuf b) {
      bytes += b.readableBytes();
    }
    peer.write(msg);
    if (!peer.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!stopped) {
      peer.config().setAutoRead(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pipe.released();
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
