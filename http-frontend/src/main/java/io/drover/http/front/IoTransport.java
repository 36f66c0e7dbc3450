package io.drover.http.front;

import io.drover.supervisor.config.IoKind;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The front's I/O ({@link IoKind}, in the same order): Linux's io_uring or epoll through Netty's native transports, else the JDK's NIO. */
enum IoTransport {
  IO_URING(IoKind.IO_URING, IoUring::isAvailable, IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringSocketChannel.class),
  EPOLL(IoKind.EPOLL, Epoll::isAvailable, EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class),
  NIO(IoKind.NIO, () -> true, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

  final IoKind kind;
  private final BooleanSupplier available;
  private final Supplier<IoHandlerFactory> handlers;
  final Class<? extends ServerChannel> serverClass;
  final Class<? extends SocketChannel> clientClass;

  IoTransport(IoKind kind, BooleanSupplier available, Supplier<IoHandlerFactory> handlers, Class<? extends ServerChannel> serverClass,
      Class<? extends SocketChannel> clientClass) {
    this.kind = kind;
    this.available = available;
    this.handlers = handlers;
    this.serverClass = serverClass;
    this.clientClass = clientClass;
  }

  /** The transport of that kind when it is available here, else the first available after it (io_uring, epoll, NIO). */
  static IoTransport pick(IoKind kind) {
    for (IoTransport t : values()) {
      if (t.kind.compareTo(kind) >= 0 && t.available.getAsBoolean()) {
        return t;
      }
    }
    return NIO;
  }

  /** {@code threads} event loops named after {@code name}, under SCHED_BATCH when {@code batch} ({@link BatchScheduling}). */
  EventLoopGroup loops(int threads, String name, boolean batch) {
    return new MultiThreadIoEventLoopGroup(threads, BatchScheduling.threads(name, batch), handlers.get());
  }
}
