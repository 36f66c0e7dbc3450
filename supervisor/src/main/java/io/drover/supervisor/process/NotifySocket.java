package io.drover.supervisor.process;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of the sd_notify protocol (systemd {@code Type=notify}): a worker started with
 * {@code NOTIFY_SOCKET=<path>} sends datagrams of {@code KEY=VALUE} lines to that unix socket —
 * {@code READY=1} once it serves, {@code WATCHDOG=1} as a heartbeat, {@code STATUS=...}, {@code
 * STOPPING=1}.
 *
 * <p>Java has no unix datagram sockets, so this uses Netty's epoll transport (Linux only). The
 * sockets of a JVM live in one private directory (rwx------, made on the first open, removed when
 * the last socket closes) and are all read by one shared daemon event-loop thread. Descriptors
 * sent along ({@code BARRIER=1}, {@code FDSTORE=1}) are not taken, so the kernel closes them; that
 * close is what releases a sender waiting on a barrier, as {@code systemd-notify} does.
 */
public final class NotifySocket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NotifySocket.class);
  /** Bytes of a datagram beyond this many are dropped. */
  static final int MAX_DATAGRAM = 4096;
  /** A unix socket address holds 108 bytes of path, the last one a NUL. */
  static final int MAX_PATH_BYTES = 107;

  private static final Object LOCK = new Object();
  private static final AtomicLong NAMES = new AtomicLong();
  private static EventLoopGroup group; // guarded by LOCK
  private static Path dir; // guarded by LOCK
  private static int openSockets; // guarded by LOCK

  /** One datagram: its flags, STATUS (or null) and every pair it carried (a later key wins). */
  public record Message(boolean ready, boolean watchdog, boolean stopping, String status, Map<String, String> fields) {
    public Message {
      fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Newline-separated KEY=VALUE lines; a line without '=' is ignored. */
    static Message parse(String text) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String line : text.split("\n")) {
        int eq = line.indexOf('=');
        if (eq >= 0) {
          fields.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return new Message(
          "1".equals(fields.get("READY")),
          "1".equals(fields.get("WATCHDOG")),
          "1".equals(fields.get("STOPPING")),
          fields.get("STATUS"),
          fields);
    }
  }

  private final Channel channel;
  private final Path path;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NotifySocket(Channel channel, Path path) {
    this.channel = channel;
    this.path = path;
  }

  /** Binds a fresh socket; {@code onMessage} runs on the event-loop thread, once per datagram. */
  public static NotifySocket open(Consumer<Message> onMessage) throws IOException {
    if (!Epoll.isAvailable()) {
      Throwable cause = Epoll.unavailabilityCause();
      throw new IOException("notify sockets need Linux epoll, which is unavailable: " + cause, cause);
    }
    EventLoopGroup loops;
    Path path;
    synchronized (LOCK) {
      if (dir == null) {
        dir = Files.createTempDirectory(
            "drover-notify-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      if (group == null) {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("drover-notify", true), EpollIoHandler.newFactory());
      }
      loops = group;
      path = dir.resolve("n" + NAMES.incrementAndGet() + ".sock");
      openSockets++;
    }
    try {
      int bytes = path.toString().getBytes(UTF_8).length;
      if (bytes > MAX_PATH_BYTES) {
        throw new IOException("notify socket path " + path + " is " + bytes + " bytes, more than the " + MAX_PATH_BYTES
            + " a unix socket address holds; point java.io.tmpdir at a shorter directory");
      }
      ChannelFuture bound =
          new Bootstrap()
              .group(loops)
              .channel(EpollDomainDatagramChannel.class)
              .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
              .handler(receiver(path, onMessage))
              .bind(new DomainSocketAddress(path.toString()))
              .awaitUninterruptibly();
      if (!bound.isSuccess()) {
        throw new IOException("cannot bind notify socket " + path + ": " + bound.cause(), bound.cause());
      }
      return new NotifySocket(bound.channel(), path);
    } catch (IOException | RuntimeException e) {
      release(path);
      throw e;
    }
  }

  /** The value for the worker's {@code NOTIFY_SOCKET}. */
  public Path path() {
    return path;
  }

  /** Closes the socket and removes its file (and the directory after the last one); idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      ChannelFuture done = channel.close();
      if (!channel.eventLoop().inEventLoop()) {
        done.awaitUninterruptibly();
      }
      release(path);
    }
  }

  private static void release(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot remove notify socket [{}]: {}", path, e.toString());
    }
    synchronized (LOCK) {
      if (--openSockets == 0) {
        try {
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          log.warn("cannot remove notify directory [{}]: {}", dir, e.toString());
        }
        dir = null;
      }
    }
  }

  private static SimpleChannelInboundHandler<DomainDatagramPacket> receiver(Path path, Consumer<Message> onMessage) {
    return new SimpleChannelInboundHandler<>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
        ByteBuf data = packet.content();
        Message message = Message.parse(data.toString(data.readerIndex(), Math.min(data.readableBytes(), MAX_DATAGRAM), UTF_8));
        try {
          onMessage.accept(message);
        } catch (Exception e) {
          log.warn("notify socket [{}]: handler failed on message [{}]", path, message.fields(), e);
        }
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("notify socket [{}]: receive failed", path, cause);
      }
    };
  }
}
