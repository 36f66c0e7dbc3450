package io.drover.http.front;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of a connection to a worker. While an exchange uses the connection it hands the
 * worker's response to that exchange's {@link ProxyHandler}; while the connection is idle in the
 * pool it only notices that it closed or idled out.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  final Endpoint endpoint;
  /** The exchange using this connection, or null while idle. */
  private ProxyHandler exchange;
  private long exchangeId;
  /** Whether the connection served an exchange before the current one. */
  boolean reused;

  BackendHandler(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  void bind(ProxyHandler proxy, long id) {
    this.exchange = proxy;
    this.exchangeId = id;
  }

  void unbind() {
    this.exchange = null;
    this.reused = true;
  }

  boolean bound() {
    return exchange != null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ProxyHandler p = exchange;
    if (p == null || !p.owns(exchangeId)) {
      ReferenceCountUtil.release(msg);
      ctx.close(); // an answer nobody asked for: this connection cannot be trusted
      return;
    }
    if (msg instanceof HttpResponse response) {
      p.onResponse(response);
    }
    if (msg instanceof HttpContent content) {
      p.onResponseContent(content);
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ProxyHandler p = exchange;
    if (p != null && p.owns(exchangeId)) {
      p.flushToClient();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ProxyHandler p = exchange;
    if (p != null && p.owns(exchangeId)) {
      p.backendWritabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ProxyHandler p = exchange;
    if (p != null && p.owns(exchangeId)) {
      p.backendFailed(ctx.channel(), new java.nio.channels.ClosedChannelException(), false);
    } else {
      BackendPool.current().remove(endpoint, ctx.channel());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ProxyHandler p = exchange;
    if (p != null && p.owns(exchangeId)) {
      p.backendFailed(ctx.channel(), cause, false);
    }
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && exchange == null) {
      ctx.close(); // idle in the pool longer than pool-idle-timeout
    }
  }
}
