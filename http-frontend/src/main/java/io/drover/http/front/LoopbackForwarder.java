package io.drover.http.front;

import io.drover.supervisor.Remote;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Passes requests that came whole from other nodes' fronts ({@link Remote.Serve}) to this
 * node's worker processes over loopback, on the front's event loops, keeping connections to each
 * worker port alive between requests. The answer comes back whole (up to {@link #MAX_RESPONSE}).
 * Failures follow the front's rules: a connection refused, or a kept-alive connection that closed
 * before answering, is a refusal (the caller tries another worker); after the request was sent an
 * idempotent request is refused too, others get 502; no answer in time is a 504.
 */
public final class LoopbackForwarder {
  /** Largest answer carried back as one message. */
  static final int MAX_RESPONSE = 64 * 1024 * 1024;

  private static final AttributeKey<Integer> PORT = AttributeKey.valueOf("drover.forward.port");

  private final Bootstrap bootstrap;
  private final Duration idleTimeout;
  private final Map<Integer, Deque<Channel>> idle = new ConcurrentHashMap<>();

  LoopbackForwarder(Bootstrap backends, io.netty.channel.EventLoopGroup group, Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
    this.bootstrap = backends.clone(group).handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline()
            .addLast("idle", new IdleStateHandler(LoopbackForwarder.this.idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS))
            .addLast("http", new HttpClientCodec())
            .addLast("aggregate", new HttpObjectAggregator(MAX_RESPONSE))
            .addLast("exchange", new Exchange());
      }
    });
  }

  /** Sends {@code m} to the worker process on the loopback {@code port}; completes with its answer. */
  public CompletionStage<Remote.Answer> forward(Remote.Serve m, int port, Duration timeout) {
    CompletableFuture<Remote.Answer> answer = new CompletableFuture<>();
    Deque<Channel> pool = idle.get(port);
    Channel pooled = pool == null ? null : pool.pollLast();
    while (pooled != null && !pooled.isActive()) {
      pooled = pool.pollLast();
    }
    if (pooled != null) {
      Channel ch = pooled;
      ch.eventLoop().execute(() -> send(ch, m, timeout, answer, true));
      return answer;
    }
    ChannelFuture connect = bootstrap.connect(new InetSocketAddress("127.0.0.1", port));
    Channel fresh = connect.channel();
    fresh.attr(PORT).set(port);
    fresh.closeFuture().addListener(f -> {
      Deque<Channel> kept = idle.get(port);
      if (kept != null) {
        kept.remove(fresh);
      }
    });
    connect.addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        send(f.channel(), m, timeout, answer, false);
      } else {
        answer.complete(Remote.Answer.refusal(m.id(), "worker process: " + f.cause()));
      }
    });
    return answer;
  }

  /** On the channel's event loop: writes the request and arms its deadline. */
  private void send(Channel ch, Remote.Serve m, Duration timeout, CompletableFuture<Remote.Answer> answer, boolean reused) {
    Exchange exchange = ch.pipeline().get(Exchange.class);
    if (exchange == null || !ch.isActive()) {
      // closed while pooled: never sent, so any worker may take it
      answer.complete(Remote.Answer.refusal(m.id(), "worker connection closed"));
      return;
    }
    FullHttpRequest request = new DefaultFullHttpRequest(
        HttpVersion.HTTP_1_1, HttpMethod.valueOf(m.method()), m.uri(), Unpooled.wrappedBuffer(m.body()));
    for (int i = 0; i + 1 < m.headers().size(); i += 2) {
      String name = m.headers().get(i);
      if (!Remote.hopByHop(name) || name.equals("host")) {
        request.headers().add(name, m.headers().get(i + 1));
      }
    }
    HttpUtil.setContentLength(request, m.body().length);
    exchange.start(m, answer, reused, ch.eventLoop().schedule(() -> exchange.timedOut(ch, timeout), timeout.toMillis(), TimeUnit.MILLISECONDS));
    ch.writeAndFlush(request).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        exchange.failed(ch, f.cause());
      }
    });
  }

  /** Idle connections kept for {@code port}. */
  int pooled(int port) {
    Deque<Channel> pool = idle.get(port);
    return pool == null ? 0 : pool.size();
  }

  /** Back into the pool for the next request to its port. */
  private void release(Channel ch) {
    Integer port = ch.attr(PORT).get();
    if (port == null || !ch.isActive()) {
      ch.close();
      return;
    }
    idle.computeIfAbsent(port, p -> new ConcurrentLinkedDeque<>()).addLast(ch); // leaves it when it closes
  }

  /** The one request in flight on a connection, and how it ends. */
  private final class Exchange extends SimpleChannelInboundHandler<FullHttpResponse> {
    private Remote.Serve request;
    private CompletableFuture<Remote.Answer> answer;
    private boolean reused;
    private ScheduledFuture<?> deadline;

    void start(Remote.Serve m, CompletableFuture<Remote.Answer> answer, boolean reused, ScheduledFuture<?> deadline) {
      this.request = m;
      this.answer = answer;
      this.reused = reused;
      this.deadline = deadline;
    }

    private CompletableFuture<Remote.Answer> finish() {
      CompletableFuture<Remote.Answer> a = answer;
      answer = null;
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
      return a;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
      Remote.Serve m = request;
      CompletableFuture<Remote.Answer> a = finish();
      if (a == null) {
        ctx.close(); // an answer nobody waits for: the connection is out of step
        return;
      }
      List<String> headers = new ArrayList<>(res.headers().size() * 2);
      for (Map.Entry<String, String> h : res.headers()) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if (!Remote.hopByHop(name)) {
          headers.add(name);
          headers.add(h.getValue());
        }
      }
      byte[] body = new byte[res.content().readableBytes()];
      res.content().getBytes(res.content().readerIndex(), body);
      // pooled before the answer is out, so that the caller's next request finds it
      if (HttpUtil.isKeepAlive(res)) {
        release(ctx.channel());
      } else {
        ctx.close();
      }
      a.complete(new Remote.Answer(m.id(), res.status().code(), headers, body, null));
    }

    void timedOut(Channel ch, Duration timeout) {
      CompletableFuture<Remote.Answer> a = finish();
      if (a != null) {
        a.complete(Remote.Answer.error(request.id(), 504, "worker did not answer within " + timeout.toMillis() + "ms"));
        ch.close();
      }
    }

    void failed(Channel ch, Throwable cause) {
      CompletableFuture<Remote.Answer> a = finish();
      if (a == null) {
        return;
      }
      ch.close();
      // a kept-alive connection the worker had closed, or an idempotent request: another worker may take it
      if (reused || Remote.idempotent(request.method())) {
        a.complete(Remote.Answer.refusal(request.id(), "worker connection: " + cause));
      } else {
        a.complete(Remote.Answer.error(request.id(), 502, "worker failed before answering: " + cause));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      failed(ctx.channel(), new java.io.IOException("connection closed"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failed(ctx.channel(), cause);
      ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent && answer == null) {
        ctx.close(); // pooled and unused for the idle timeout
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }
  }
}
