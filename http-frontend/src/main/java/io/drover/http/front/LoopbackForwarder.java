package io.drover.http.front;

import io.drover.supervisor.Remote;
import io.drover.supervisor.WorkerFailure;
import io.drover.supervisor.config.RouteProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The node's loopback gateway for requests that came whole from other nodes' fronts ({@link
 * Remote.Serve}): each goes to this node's worker process over the front's own loopback clients
 * (HTTP/1.1: {@link WorkerConnections}, connections kept alive per event loop; an h2c app's
 * worker: a stream of {@link WorkerStreams}, see {@link GatewayH2cCall}) and its answer comes back
 * whole (up to {@link #MAX_RESPONSE}), with its trailers. It decides nothing: how an attempt
 * failed goes back to the calling front, whose {@link FailurePolicy} decides.
 */
public final class LoopbackForwarder implements AutoCloseable {
  /** Largest answer carried back as one message. */
  static final int MAX_RESPONSE = 64 * 1024 * 1024;

  private final Bootstrap bootstrap;
  private final EventLoopGroup group;
  private final Duration idleTimeout;
  private final int maxIdle;
  private final boolean ownsGroup;

  LoopbackForwarder(Bootstrap backends, EventLoopGroup group, Duration idleTimeout, int maxIdle, boolean ownsGroup) {
    this.bootstrap = backends;
    this.group = group;
    this.idleTimeout = idleTimeout;
    this.maxIdle = maxIdle;
    this.ownsGroup = ownsGroup;
  }

  /** For a node without a front: the gateway runs on an event loop of its own, closed by {@link #close}. */
  public static LoopbackForwarder standalone(Duration idleTimeout, int maxIdle) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("drover-gateway", true), NioIoHandler.newFactory());
    Bootstrap backends = new Bootstrap().channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.ALLOCATOR, FrontServer.ALLOCATOR)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
    return new LoopbackForwarder(backends, group, idleTimeout, maxIdle, true);
  }

  /**
   * Sends {@code m} to the worker process on the loopback {@code port}, in the protocol of its
   * app's route; completes with its answer or its failure.
   */
  public CompletionStage<Remote.Answer> forward(Remote.Serve m, int port, Duration timeout, RouteProtocol protocol) {
    CompletableFuture<Remote.Answer> answer = new CompletableFuture<>();
    EventLoop loop = group.next();
    if (protocol == RouteProtocol.H2C) {
      loop.execute(() -> new GatewayH2cCall(m, port, timeout, answer, loop).start(bootstrap, idleTimeout));
    } else {
      loop.execute(() -> new Call(m, port, timeout, answer, loop).start());
    }
    return answer;
  }

  /** Idle connections kept for {@code port}, over all event loops. */
  int pooled(int port) throws Exception {
    int n = 0;
    for (io.netty.util.concurrent.EventExecutor loop : group) {
      n += loop.submit(() -> WorkerConnections.pool().idle(port)).get(5, TimeUnit.SECONDS);
    }
    return n;
  }

  @Override
  public void close() {
    if (ownsGroup) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** One request and its answer, on one event loop. */
  private final class Call implements BackendHandler.User {
    private final Remote.Serve m;
    private final int port;
    private final Duration timeout;
    private final CompletableFuture<Remote.Answer> answer;
    private final EventLoop loop;
    private Channel ch;
    private BackendHandler handler;
    private ScheduledFuture<?> deadline;
    private HttpResponse head;
    private CompositeByteBuf body;
    private boolean interim;
    private boolean done;

    Call(Remote.Serve m, int port, Duration timeout, CompletableFuture<Remote.Answer> answer, EventLoop loop) {
      this.m = m;
      this.port = port;
      this.timeout = timeout;
      this.answer = answer;
      this.loop = loop;
    }

    void start() {
      deadline = loop.schedule(this::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
      BackendHandler pooled = WorkerConnections.pool().acquire(port, System.nanoTime());
      if (pooled != null) {
        send(pooled);
        return;
      }
      WorkerConnections.connect(bootstrap, loop, port).addListener((ChannelFuture f) -> {
        if (done) {
          f.channel().close();
        } else if (f.isSuccess()) {
          send((BackendHandler) f.channel().pipeline().get("backend"));
        } else {
          finish(Remote.Answer.failed(m.id(), WorkerFailure.UNREACHABLE,
              f.cause() instanceof ConnectException ? "connection refused" : String.valueOf(f.cause())));
        }
      });
    }

    private void send(BackendHandler h) {
      ch = h.channel;
      handler = h;
      h.bind(this, m.id());
      ch.config().setAutoRead(true);
      FullHttpRequest request = new DefaultFullHttpRequest(
          HttpVersion.HTTP_1_1, HttpMethod.valueOf(m.method()), m.uri(), Unpooled.wrappedBuffer(m.body()));
      for (int i = 0; i + 1 < m.headers().size(); i += 2) {
        String name = m.headers().get(i);
        if (ProxyHeaders.carried(name) || name.equals("host")) {
          request.headers().add(name, m.headers().get(i + 1));
        }
      }
      HttpUtil.setContentLength(request, m.body().length);
      ch.writeAndFlush(request, ch.voidPromise());
    }

    @Override
    public boolean owns(long id) {
      return !done;
    }

    @Override
    public void onResponse(HttpResponse response) {
      if (response.decoderResult().isFailure()) {
        failed(ch, new java.io.IOException("malformed answer: " + response.decoderResult().cause().getMessage()));
        return;
      }
      int code = response.status().code();
      interim = code >= 100 && code < 200;
      if (!interim) {
        head = response;
        body = ch.alloc().compositeBuffer(256);
      }
    }

    @Override
    public void onResponseContent(HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      if (interim) {
        content.release();
        interim = !last;
        return;
      }
      if (content.content().isReadable()) {
        body.addComponent(true, content.content().retain());
      }
      content.release();
      if (body.readableBytes() > MAX_RESPONSE) {
        ch.close();
        finish(Remote.Answer.failed(m.id(), WorkerFailure.LOST, "answer larger than " + MAX_RESPONSE + " bytes"));
      } else if (last) {
        complete();
      }
    }

    private void complete() {
      List<String> headers = new ArrayList<>(head.headers().size() * 2);
      for (Map.Entry<String, String> h : head.headers()) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if (ProxyHeaders.carried(name)) {
          headers.add(name);
          headers.add(h.getValue());
        }
      }
      byte[] bytes = new byte[body.readableBytes()];
      body.getBytes(body.readerIndex(), bytes);
      BackendHandler h = handler;
      boolean keepAlive = HttpUtil.isKeepAlive(head);
      finish(new Remote.Answer(m.id(), head.status().code(), headers, bytes, List.of(), null, null));
      // pooled before the answer is out, so that the caller's next request finds it
      if (keepAlive) {
        WorkerConnections.pool().release(h, maxIdle, idleTimeout);
      } else {
        h.channel.close();
      }
    }

    @Override
    public void readComplete() {}

    @Override
    public void writabilityChanged(boolean writable) {}

    @Override
    public void failed(Channel channel, Throwable cause) {
      channel.close();
      finish(Remote.Answer.failed(m.id(), WorkerFailure.LOST, "worker connection: " + cause));
    }

    private void timedOut() {
      if (ch != null) {
        ch.close(); // never pooled: its answer may still come
      }
      finish(Remote.Answer.failed(m.id(), WorkerFailure.TIMED_OUT, "within " + timeout.toMillis() + "ms"));
    }

    private void finish(Remote.Answer a) {
      if (done) {
        return;
      }
      done = true;
      deadline.cancel(false);
      if (handler != null) {
        handler.unbind();
      }
      if (body != null) {
        body.release();
        body = null;
      }
      answer.complete(a);
    }
  }
}
