package io.drover.http.front;

import io.drover.supervisor.config.HttpSpec;
import io.drover.supervisor.config.LoopScheduling;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front's data plane: a Netty server (epoll, io_uring or NIO: http.transport) whose
 * connections proxy each request to a worker picked from the current {@link RouteSnapshot}.
 */
public final class FrontServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FrontServer.class);
  /**
   * Buffers of both connections of a request come from the pooled allocator's per-thread caches:
   * they are taken and given back on the same event loop (measured with bench/profile.sh: less
   * front CPU per request than Netty 4.2's default adaptive allocator).
   */
  static final io.netty.buffer.ByteBufAllocator ALLOCATOR = io.netty.buffer.PooledByteBufAllocator.DEFAULT;

  /** Largest body chunk the codecs hand on at once. */
  static final int CHUNK = 16 * 1024;

  private final EventLoopGroup group;
  /** The TLS listener's connections' loops, or null. */
  private final EventLoopGroup tlsGroup;
  private final Channel server;
  /** The TLS listener, or null. */
  private final Channel tlsServer;
  private final TlsContexts tls;
  private final HttpSpec spec;
  private final String transport;
  private final LoopbackForwarder forwarder;
  private final AccessLog accessLog;

  private FrontServer(EventLoopGroup group, EventLoopGroup tlsGroup, Channel server, Channel tlsServer, TlsContexts tls, HttpSpec spec, String transport,
      LoopbackForwarder forwarder, AccessLog accessLog) {
    this.spec = spec;
    this.group = group;
    this.tlsGroup = tlsGroup;
    this.accessLog = accessLog;
    this.server = server;
    this.tlsServer = tlsServer;
    this.tls = tls;
    this.transport = transport;
    this.forwarder = forwarder;
  }

  /** The plain listener's event loops when {@code http.event-loops} is 0: every core with io_uring, else half the cores. */
  static int defaultLoops(IoTransport io, int cores) {
    return io == IoTransport.IO_URING ? Math.max(1, cores) : Math.max(1, cores / 2);
  }

  /**
   * Binds the front; fails when the address cannot be bound. Its access log goes to {@code
   * logsDir}, its meters (besides the front actor's) to {@code registry}.
   */
  public static FrontServer start(HttpSpec spec, SnapshotHolder holder, ActorRef<Front.Command> front, Path logsDir,
      MeterRegistry registry) throws InterruptedException {
    IoTransport io = IoTransport.pick(spec.transport());
    if (io.kind != spec.transport()) {
      // info, not warn: a node config shared by hosts that differ (Docker's default seccomp profile forbids io_uring)
      log.info("front: http.transport = {} is not available here, {} runs instead", spec.transport().configName(), io.kind.configName());
    }
    int cores = Runtime.getRuntime().availableProcessors();
    // by default as many loops as cores with io_uring, half the cores with epoll or NIO: on 2 cores,
    // bench/front-ab.sh (trivial handler, 6 turns) served 1.14x and 1.19x with two io_uring loops
    // what one served (0.89x and 0.95x nginx; 1 ms CPU handler: the same), two epoll loops 0.97x
    // of one with a 1.7x p99: an epoll loop's waits cost more when it shares its core with workers
    int threads = spec.eventLoops() > 0 ? spec.eventLoops() : defaultLoops(io, cores);
    boolean batch = spec.loopScheduling() == LoopScheduling.BATCH;
    EventLoopGroup group = io.loops(threads, "drover-front", batch);

    Bootstrap backends =
        new Bootstrap()
            .channel(io.clientClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, ALLOCATOR)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis()));
    AccessLog accessLog = AccessLog.of(spec.accessLog(), logsDir, registry);
    ProxyContext px = new ProxyContext(spec, holder, front, backends, accessLog, new RequestIds());

    ServerBootstrap b =
        new ServerBootstrap()
            .channel(io.serverClass)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, ALLOCATOR);
    TlsContexts tls = null;
    Channel tlsServer = null;
    EventLoopGroup tlsGroup = null;
    try {
      String transport = io.kind.configName();
      int tlsPort = 0;
      if (spec.tls().enabled()) {
        // loops of their own: TLS costs several times the CPU per request of plain HTTP, so the
        // front's share of the machine is larger (all the cores by default; see reference.conf)
        int tlsThreads = spec.tls().eventLoops() > 0 ? spec.tls().eventLoops() : cores;
        tlsGroup = io.loops(tlsThreads, "drover-front-tls", batch);
        tls = TlsContexts.start(spec.tls(), spec.http2().enabled());
        tlsServer = b.clone().group(tlsGroup).childHandler(FrontPipelines.tls(px, tls))
            .bind(new InetSocketAddress(spec.iface(), spec.tls().port())).sync().channel();
        tlsPort = ((InetSocketAddress) tlsServer.localAddress()).getPort();
        log.info("front listening on {} with TLS ({}, {}, {} event loops, SNI names {})", tlsServer.localAddress(), tls.provider(),
            spec.http2().enabled() ? "h2 and http/1.1" : "http/1.1", tlsThreads, spec.tls().hosts().keySet());
      }
      Channel server = b.clone().group(group).childHandler(FrontPipelines.plain(px, tlsPort))
          .bind(new InetSocketAddress(spec.iface(), spec.port())).sync().channel();
      log.info("front listening on {} ({} event loops, {}{})", server.localAddress(), threads, transport,
          spec.redirectToHttps() ? ", redirecting to https" : spec.http2().h2c() ? ", h2c by prior knowledge" : "");
      return new FrontServer(group, tlsGroup, server, tlsServer, tls, spec, transport,
          new LoopbackForwarder(backends, group, spec.poolIdleTimeout(), spec.poolMaxIdle(), false),
          accessLog);
    } catch (RuntimeException | InterruptedException e) {
      closeQuietly(tlsServer, tls, tlsGroup);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    } catch (io.drover.supervisor.config.PemFiles.Problem | javax.net.ssl.SSLException e) {
      closeQuietly(tlsServer, tls, tlsGroup);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException("front tls: " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(Channel tlsServer, TlsContexts tls, EventLoopGroup tlsGroup) {
    if (tlsServer != null) {
      tlsServer.close();
    }
    if (tlsGroup != null) {
      tlsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (tls != null) {
      tls.close();
    }
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** The TLS listener's port, or 0 when there is none. */
  public int tlsPort() {
    return tlsServer == null ? 0 : ((InetSocketAddress) tlsServer.localAddress()).getPort();
  }

  /** The TLS listener's provider and protocols, as the start line shows them, or null. */
  public String tlsDescription() {
    return tls == null ? null : tls.provider() + ", " + (spec.http2().enabled() ? "h2 and http/1.1" : "http/1.1");
  }

  /** The certificates of the TLS listener, or null. */
  TlsContexts tls() {
    return tls;
  }

  /** Carries requests from other nodes' fronts to this node's worker processes, on these loops. */
  public LoopbackForwarder forwarder() {
    return forwarder;
  }

  /** Where the access log is written (when any app's requests are logged). */
  public Path accessLogFile() {
    return accessLog.file();
  }

  public String transport() {
    return transport;
  }

  /** Stops accepting new connections; open ones keep being served. */
  public void unbind() {
    server.close().syncUninterruptibly();
    if (tlsServer != null) {
      tlsServer.close().syncUninterruptibly();
    }
  }

  @Override
  public void close() {
    unbind();
    if (tlsGroup != null) {
      tlsGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    if (tls != null) {
      tls.close(); // after the loops: a connection accepted before unbind may still ask for an engine
    }
    accessLog.close();
  }
}
