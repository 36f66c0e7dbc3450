package io.drover.http.front;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One direction of a byte pipe between a client and a worker, after a protocol switch (101, e.g.
 * WebSocket): whatever one side sends is written to the other, with backpressure both ways.
 */
final class Tunnel extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private final Runnable onClose;

  Tunnel(Channel peer, Runnable onClose) {
    this.peer = peer;
    this.onClose = onClose;
  }

  /**
   * The worker answered 101: writes it to the client, and the two connections become one byte
   * pipe until either side closes. Both pipelines switch at once, while the 101 is being read:
   * bytes the worker sent right behind it (a server that speaks first) leave its HTTP decoder as
   * raw bytes into the tunnel. The endpoint's in-flight count is returned when the pipe closes.
   *
   * @param client the context of the client connection's proxy handler
   */
  static void open(ChannelHandlerContext client, Channel worker, HttpResponse switching, Endpoint endpoint, AppQueue queue) {
    Channel clientChannel = client.channel();
    AtomicBoolean closed = new AtomicBoolean();
    Runnable onClose = () -> {
      if (closed.compareAndSet(false, true)) {
        queue.release(endpoint);
      }
    };
    client.writeAndFlush(switching).addListener(f -> {
      if (!f.isSuccess()) {
        worker.close();
        clientChannel.close();
        onClose.run();
      }
    });
    // the 101 went through the client's encoder above: from here on both sides carry raw bytes
    clientChannel.pipeline().replace("proxy", "tunnel", new Tunnel(worker, onClose));
    clientChannel.pipeline().remove("http");
    worker.pipeline().replace("backend", "tunnel", new Tunnel(clientChannel, onClose));
    worker.pipeline().remove("http"); // what it had read past the 101 goes on to the tunnel
    clientChannel.config().setAutoRead(true);
    worker.config().setAutoRead(true);
    if (!worker.isActive()) {
      clientChannel.close();
      onClose.run();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
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
    peer.config().setAutoRead(ctx.channel().isWritable());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    onClose.run();
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
