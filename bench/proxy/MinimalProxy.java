// A minimal HTTP/1.1 reverse proxy on Netty, the yardstick bench/front.sh and front-ab.sh set
// beside Drover's front (contender `minimal`): what PERFORMANCE.md describes as the fast Netty
// prototype, and nothing more. Not part of Drover; bench-only, run from source:
//
//   java -cp 'node/target/lib/*' bench/proxy/MinimalProxy.java PORT EVENT_LOOPS BACKEND_PORT...
//
// - epoll, EVENT_LOOPS event loops; a request never changes thread: the backend connection lives
//   on the client connection's event loop;
// - HttpServerCodec / HttpClientCodec objects passed through as they are, hop-by-hop headers
//   (Connection, Keep-Alive) dropped, flush once per read batch and on the last chunk, TCP_NODELAY;
// - keep-alive backend connections kept in a small idle pool per event loop per backend;
// - backends picked round-robin per request (per event loop).
// No retries, no timeouts, no pipelining, no error pages beyond a 502: a yardstick, not a proxy to run.
// With -Dminimal.headers=true it adds the request headers Drover's front adds (X-Request-Id,
// X-Forwarded-For, -Proto, -Host): what they cost the workers, measured beside the bare proxy.
// With -Dminimal.raw=true it is no HTTP proxy at all but a TCP one: each client connection gets
// its own backend connection (round-robin per connection) and bytes are passed as they come,
// flushed once per read batch. The floor under any HTTP proxy on Netty here: the same syscalls
// per request, with no HTTP work (contender `raw` of front.sh, front-ab.sh --raw).
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

public final class MinimalProxy {
  static int[] backendPorts;
  static Bootstrap client;
  static final int MAX_IDLE = 64;
  static final boolean HEADERS = Boolean.getBoolean("minimal.headers");
  static final boolean RAW = Boolean.getBoolean("minimal.raw");
  static int nextConnection;
  static long ids;

  /** Per event loop: idle backend connections by port, and the round-robin position. */
  static final class Pool {
    final Map<Integer, ArrayDeque<Channel>> idle = new HashMap<>();
    int next;
  }

  static final FastThreadLocal<Pool> POOL = new FastThreadLocal<>() {
    @Override
    protected Pool initialValue() {
      return new Pool();
    }
  };

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int loops = Integer.parseInt(args[1]);
    backendPorts = new int[args.length - 2];
    for (int i = 2; i < args.length; i++) {
      backendPorts[i - 2] = Integer.parseInt(args[i]);
    }
    var group = new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("minimal-front", true), EpollIoHandler.newFactory());
    client = new Bootstrap().channel(EpollSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
    new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (RAW) {
              pipe(ch);
            } else {
              ch.pipeline().addLast(new HttpServerCodec()).addLast(new Front());
            }
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", port)).sync();
    System.out.println((RAW ? "raw TCP" : "minimal") + " proxy on 127.0.0.1:" + port + ", " + loops + " event loop(s), backends " + java.util.Arrays.toString(backendPorts));
    Thread.currentThread().join();
  }

  /** One client connection: one request at a time (wrk does not pipeline). */
  static final class Front extends ChannelInboundHandlerAdapter {
    ChannelHandlerContext ctx;
    Channel backend;
    int backendPort;
    boolean keepAlive;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req) {
        keepAlive = HttpUtil.isKeepAlive(req);
        req.headers().remove(HttpHeaderNames.CONNECTION).remove(HttpHeaderNames.KEEP_ALIVE);
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (HEADERS) {
          String host = req.headers().get(HttpHeaderNames.HOST);
          req.headers().set("x-request-id", "5f2c9a41e07b-" + Long.toHexString(++ids))
              .set("x-forwarded-for", "127.0.0.1").set("x-forwarded-proto", "http");
          if (host != null) {
            req.headers().set("x-forwarded-host", host);
          }
        }
        Pool pool = POOL.get();
        backendPort = backendPorts[pool.next++ % backendPorts.length];
        ArrayDeque<Channel> q = pool.idle.get(backendPort);
        Channel ch = q == null ? null : q.pollLast();
        while (ch != null && !ch.isActive()) {
          ch = q.pollLast();
        }
        if (ch != null) {
          attach(ch);
        } else {
          ctx.channel().config().setAutoRead(false);
          connect(ctx.channel().eventLoop(), backendPort).addListener((ChannelFuture f) -> {
            ctx.channel().config().setAutoRead(true);
            if (!f.isSuccess()) {
              ReferenceCountUtil.release(pending);
              pending = null;
              ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY))
                  .addListener(ChannelFutureListener.CLOSE);
              return;
            }
            attach(f.channel());
          });
        }
        pendingHead(req);
      }
      if (msg instanceof HttpContent c) {
        if (backend != null) {
          backend.write(c, backend.voidPromise());
        } else {
          pendingBody(c);
        }
      }
    }

    // the request head (and body) while the backend connection is being opened
    Object pending;

    void pendingHead(HttpRequest req) {
      if (backend != null) {
        backend.write(req, backend.voidPromise());
      } else {
        pending = req;
      }
    }

    void pendingBody(HttpContent c) {
      // wrk's GET: the (empty) last content follows the head; keep it with it
      if (pending instanceof HttpRequest req && c instanceof LastHttpContent) {
        pending = new Object[] {req, c};
      } else {
        c.release();
      }
    }

    void attach(Channel ch) {
      backend = ch;
      ((Back) ch.pipeline().get("back")).front = this;
      if (pending instanceof Object[] both) {
        ch.write(both[0], ch.voidPromise());
        ch.write(both[1], ch.voidPromise());
        ch.flush();
      } else if (pending != null) {
        ch.writeAndFlush(pending, ch.voidPromise());
      }
      pending = null;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (backend != null) {
        backend.flush();
      }
    }

    void answer(Object msg) {
      if (msg instanceof HttpResponse res) {
        res.headers().remove(HttpHeaderNames.CONNECTION).remove(HttpHeaderNames.KEEP_ALIVE);
        if (!keepAlive) {
          HttpUtil.setKeepAlive(res, false);
        }
      }
      if (msg instanceof LastHttpContent) {
        Channel ch = backend;
        backend = null;
        ((Back) ch.pipeline().get("back")).front = null;
        ArrayDeque<Channel> q = POOL.get().idle.computeIfAbsent(backendPort, k -> new ArrayDeque<>());
        if (q.size() < MAX_IDLE) {
          q.addLast(ch);
        } else {
          ch.close();
        }
        if (keepAlive) {
          ctx.writeAndFlush(msg, ctx.voidPromise());
        } else {
          ctx.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
        }
      } else {
        ctx.write(msg, ctx.voidPromise());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (backend != null) {
        backend.close();
        backend = null;
      }
      ReferenceCountUtil.release(pending);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Raw mode: the client connection reads nothing until its backend connection is open. */
  static void pipe(SocketChannel ch) {
    ch.config().setAutoRead(false);
    Pipe front = new Pipe();
    ch.pipeline().addLast(front);
    int port = backendPorts[nextConnection++ % backendPorts.length]; // one acceptor thread
    client.clone(ch.eventLoop()).handler(new Pipe()).connect(new InetSocketAddress("127.0.0.1", port)).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        ch.close();
        return;
      }
      front.peer = f.channel();
      ((Pipe) f.channel().pipeline().last()).peer = ch;
      ch.config().setAutoRead(true);
    });
  }

  /** Raw mode: one end of a client-backend pair; what it reads goes to the other end. */
  static final class Pipe extends ChannelInboundHandlerAdapter {
    Channel peer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (peer != null) {
        peer.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  static ChannelFuture connect(EventLoop loop, int port) {
    return client.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast(new HttpClientCodec()).addLast("back", new Back());
      }
    }).connect(new InetSocketAddress("127.0.0.1", port));
  }

  /** A backend connection: its answer goes to the client connection it serves now. */
  static final class Back extends ChannelInboundHandlerAdapter {
    Front front;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (front != null) {
        front.answer(msg);
      } else {
        ReferenceCountUtil.release(msg);
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (front != null) {
        front.ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
