package io.drover.http.front;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a connection to a worker. While a request uses the connection it hands the worker's
 * answer to that request's {@link User}; while the connection is idle in the pool it only notices
 * that it closed.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(BackendHandler.class);

  /** Whoever sent the request the connection carries now. */
  interface User {
    /** Whether the request numbered {@code id} is still the user's current one. */
    boolean owns(long id);

    void onResponse(HttpResponse response);

    void onResponseContent(HttpContent content);

    /** The whole answer, as the client's bytes (only when asked for: {@link WorkerCodec#wholeAnswerFor}). */
    default void onWholeAnswer(WholeAnswer answer) {
      answer.release();
      throw new IllegalStateException("a whole answer nobody asked for");
    }

    /** A read from the worker completed: flush what was passed on. */
    void readComplete();

    void writabilityChanged(boolean writable);

    /** The connection failed or closed before the answer was complete. */
    void failed(Channel ch, Throwable cause);
  }

  final int port;
  final WorkerCodec codec;
  /** The connection this handler ends (set when it joins the pipeline). */
  Channel channel;
  private User user;
  private long id;
  /** Whether the connection served a request before the current one. */
  boolean reused;
  /** When it went back to the pool (System.nanoTime). */
  long idleSince;

  BackendHandler(int port, WorkerCodec codec) {
    this.port = port;
    this.codec = codec;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  void bind(User user, long id) {
    this.user = user;
    this.id = id;
  }

  void unbind() {
    this.user = null;
    codec.wholeAnswerFor(null, false);
    this.reused = true;
  }

  private User current() {
    User u = user;
    return u != null && u.owns(id) ? u : null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    User u = current();
    if (u == null) {
      ReferenceCountUtil.release(msg);
      ctx.close(); // an answer nobody asked for: this connection cannot be trusted
      return;
    }
    if (msg instanceof WholeAnswer whole) {
      u.onWholeAnswer(whole);
      return;
    }
    if (msg instanceof HttpResponse response) {
      u.onResponse(response);
      u = current(); // the head may have ended the request (a malformed one does)
    }
    if (msg instanceof HttpContent content) {
      if (u != null) {
        u.onResponseContent(content);
      } else {
        content.release();
      }
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    User u = current();
    if (u != null) {
      u.readComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    User u = current();
    if (u != null) {
      u.writabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    User u = current();
    if (u != null) {
      u.failed(ctx.channel(), new java.nio.channels.ClosedChannelException());
    } else {
      WorkerConnections.pool().remove(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (ExchangeFailures.unexpected(cause)) { // not the worker's doing: a fault of the front
      log.error("worker connection {}: unexpected error", ctx.channel(), cause);
    }
    User u = current();
    if (u != null) {
      u.failed(ctx.channel(), cause);
    }
    ctx.close();
  }
}
