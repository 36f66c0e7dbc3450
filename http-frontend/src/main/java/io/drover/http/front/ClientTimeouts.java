package io.drover.http.front;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds, by {@code http.idle-timeout}, how long a client connection may hold the front without
 * making progress:
 *
 * <ul>
 *   <li>a connection with no request in progress must send a complete request head within the
 *       timeout of its start or of the end of its last answer: an idle one is closed, and one
 *       whose bytes trickle in without completing a head (slowloris) gets a 408 and is closed;
 *   <li>once the answer is out, the rest of a request body the front discards must arrive within
 *       the timeout;
 *   <li>a client that takes none of an answer's bytes (the connection stays unwritable) for the
 *       timeout is closed, letting go of the worker connection it held.
 * </ul>
 *
 * A body a worker is still waiting for is bounded by the route's request-timeout (the front
 * answers and closes). Sits between the HTTP codec and the proxy handler; a connection that
 * became a tunnel (101) is left alone.
 */
final class ClientTimeouts extends ChannelDuplexHandler {
  private final long timeoutNanos;
  /** An HTTP/2 stream: no timer until there is something to bound (see the constructor). */
  private final boolean stream;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  /** Requests whose head arrived and whose answer is not complete yet. */
  private int open;
  /** The last request's body is still arriving. */
  private boolean readingBody;
  /** A 1xx answer (other than 101) is being written: its end is not the end of the exchange. */
  private boolean interim;
  private boolean tunnel;
  /** When the connection began waiting for a request head (nanoTime), or 0. */
  private long waitingSince;
  private boolean bytesWhileWaiting;
  /** Waiting began since the last read completed: that read's bytes belong to the previous request. */
  private boolean waitingIsNew;
  /** When the answer ended while its request body was still arriving (nanoTime), or 0. */
  private long discardingSince;
  /** When the connection became unwritable (nanoTime), or 0. */
  private long unwritableSince;

  ClientTimeouts(long timeoutMillis) {
    this(timeoutMillis, false);
  }

  /**
   * With {@code stream}, for an HTTP/2 stream: it is born with its request head and ends with its
   * answer, so there is no head to wait for; the timer is armed only once a body is discarded or
   * the stream cannot take its answer (one timer per connection of HTTP/1.1 is re-armed lazily;
   * a stream's would be scheduled and cancelled once per request). The connection's own idle
   * time is bounded by {@link Http2Front}.
   */
  ClientTimeouts(long timeoutMillis, boolean stream) {
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.stream = stream;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  private void start() {
    if (timer == null && timeoutNanos > 0 && waitingSince == 0) {
      waitingSince = System.nanoTime();
      if (!stream) {
        arm(timeoutNanos);
      }
    }
  }

  /** A stream's timer, once there is something to bound. */
  private void needed() {
    if (stream && timer == null && timeoutNanos > 0 && !tunnel) {
      arm(timeoutNanos);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      open++;
      readingBody = true;
      waitingSince = 0;
      bytesWhileWaiting = false;
    }
    if (msg instanceof LastHttpContent) {
      readingBody = false;
      if (discardingSince != 0) {
        discardingSince = 0;
        startWaiting();
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (waitingSince != 0 && !waitingIsNew) {
      bytesWhileWaiting = true; // bytes came, but no complete request head
    }
    waitingIsNew = false;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse r) {
      int code = r.status().code();
      if (code == 101) {
        tunnel = true;
        cancel();
      } else if (code >= 100 && code < 200) {
        interim = true;
      }
    }
    if ((msg instanceof LastHttpContent || msg instanceof WholeAnswer) && !tunnel) {
      if (interim) {
        interim = false;
      } else if (open > 0 && --open == 0) {
        if (readingBody) {
          discardingSince = System.nanoTime();
          needed();
        } else {
          startWaiting();
        }
      }
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    unwritableSince = ctx.channel().isWritable() ? 0 : System.nanoTime();
    if (unwritableSince != 0) {
      needed();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void startWaiting() {
    waitingSince = System.nanoTime();
    bytesWhileWaiting = false;
    waitingIsNew = true;
  }

  private void arm(long nanos) {
    timer = ctx.executor().schedule(this::check, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
    }
    timer = null;
  }

  private void check() {
    timer = null;
    if (tunnel || !ctx.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    long next = timeoutNanos;
    if (open == 0 && waitingSince != 0) {
      long left = waitingSince + timeoutNanos - now;
      if (left <= 0) {
        if (bytesWhileWaiting) {
          long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
          ctx.writeAndFlush(FrontErrors.headTimeout(ctx.alloc(), millis)).addListener(ChannelFutureListener.CLOSE);
        } else {
          ctx.close();
        }
        return;
      }
      next = Math.min(next, left);
    }
    if (open == 0 && discardingSince != 0) {
      long left = discardingSince + timeoutNanos - now;
      if (left <= 0) {
        ctx.close();
        return;
      }
      next = Math.min(next, left);
    }
    if (unwritableSince != 0) {
      long left = unwritableSince + timeoutNanos - now;
      if (left <= 0) {
        ctx.close();
        return;
      }
      next = Math.min(next, left);
    }
    arm(next);
  }
}
