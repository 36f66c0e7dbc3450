package io.drover.http.front;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a client connection after an answer that asks the client to close while it may still be
 * sending its request body (an error answered before the body ended, or a worker's early answer):
 * nginx's lingering close. A socket closed with bytes unread makes the kernel reset the
 * connection, and a client still writing its body then loses the answer it was sent (Java's
 * HttpClient reports "header parser received no bytes"). So once the answer is written the front
 * stops speaking HTTP on the connection, ends its own side (FIN, or TLS's close_notify), and reads
 * and drops whatever still comes until the client closes: at most {@link #IDLE_MILLIS} without a
 * byte, {@link #MAX_MILLIS} in all (nginx's lingering_timeout and lingering_time).
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {
  static final long IDLE_MILLIS = 5_000;
  static final long MAX_MILLIS = 30_000;
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);
  private static final long MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);

  private long started;
  private long lastRead;
  private ScheduledFuture<?> timer;

  private LingeringClose() {}

  /**
   * Closes the client's connection once {@code written} (the answer) is out: lingering while
   * {@code bodyArriving}, at once otherwise (and always for an HTTP/2 stream, which ends alone).
   */
  static void after(Channel ch, ChannelFuture written, boolean bodyArriving) {
    if (!bodyArriving || !(ch instanceof DuplexChannel)) {
      written.addListener(ChannelFutureListener.CLOSE);
      return;
    }
    written.addListener(f -> linger(ch));
  }

  /** Starts lingering on an HTTP/1.1 connection whose last answer was written. */
  private static void linger(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    if (!ch.isActive() || p.get("http") == null) {
      ch.close();
      return;
    }
    // from here every byte read stops at this handler: nothing more is taken for a request
    p.addAfter("http", "linger", new LingeringClose());
    p.remove("http"); // what the codec held of the body goes to the new handler, to be dropped
    SslHandler tls = p.get(SslHandler.class);
    if (tls != null) {
      tls.closeOutbound(); // close_notify after the answer; its records still come in, decrypted and dropped
    } else {
      ((DuplexChannel) ch).shutdownOutput(); // FIN after the answer
    }
    ch.config().setAutoRead(true); // reads may have paused for the body
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    started = lastRead = System.nanoTime();
    timer = ctx.executor().schedule(() -> check(ctx), IDLE_NANOS, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastRead = System.nanoTime();
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.cancel(false); // the client closed (a read of its end closes the channel): done
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a reset while lingering is the end the client chose
  }

  private void check(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    long left = Math.min(lastRead + IDLE_NANOS - now, started + MAX_NANOS - now);
    if (left <= 0) {
      ctx.close();
    } else {
      timer = ctx.executor().schedule(() -> check(ctx), left, TimeUnit.NANOSECONDS);
    }
  }
}
