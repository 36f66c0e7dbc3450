package io.drover.http.front;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One tunnel: a client connection and a worker connection joined after a 101 (a WebSocket or
 * another protocol), both on the client connection's event loop, each read by a {@link Tunnel}.
 * It holds its endpoint's in-flight count until either side closes, and is listed in the
 * endpoint's {@link Tunnels}, so that a drain can close it once its grace is over ({@link #goAway}).
 */
final class OpenTunnel {
  /**
   * A WebSocket close frame as a server sends it (FIN + close opcode, unmasked, 2-byte payload):
   * status 1001, "going away" (RFC 6455 5.5.1, 7.4.1).
   */
  private static final byte[] GOING_AWAY = {(byte) 0x88, 0x02, 0x03, (byte) 0xE9};
  /** How long a client that reads nothing may keep the close frame waiting before its connection is closed anyway. */
  private static final long FLUSH_LIMIT_MS = 2000;

  private final Channel client;
  private final Channel worker;
  private final Endpoint endpoint;
  private final AppQueue queue;
  private final boolean webSocket;
  /** Its access log line, written when it closes; null when its app is not logged. */
  private final AccessLog.TunnelLine logLine;
  private final AtomicBoolean released = new AtomicBoolean();
  private Tunnel fromWorker;
  private Tunnel fromClient;
  /** Being closed by a drain; the event loop's only. */
  private boolean goingAway;

  private OpenTunnel(Channel client, Channel worker, Endpoint endpoint, AppQueue queue, boolean webSocket,
      AccessLog.TunnelLine logLine) {
    this.client = client;
    this.logLine = logLine;
    this.worker = worker;
    this.endpoint = endpoint;
    this.queue = queue;
    this.webSocket = webSocket;
  }

  /**
   * The worker answered 101: writes it to the client, and the two connections become one byte
   * pipe until either side closes. Both pipelines switch at once, while the 101 is being read:
   * bytes the worker sent right behind it (a server that speaks first) leave its HTTP decoder as
   * raw bytes into the tunnel. The endpoint's in-flight count is returned when the pipe closes.
   *
   * @param clientCtx the context of the client connection's proxy handler
   * @param webSocket whether the request asked for a WebSocket ({@link #webSocket(HttpHeaders)})
   * @param logLine its access log line, written when it closes, or null
   */
  static void open(ChannelHandlerContext clientCtx, Channel worker, HttpResponse switching, Endpoint endpoint,
      AppQueue queue, boolean webSocket, AccessLog.TunnelLine logLine) {
    Channel client = clientCtx.channel();
    OpenTunnel t = new OpenTunnel(client, worker, endpoint, queue, webSocket, logLine);
    clientCtx.writeAndFlush(switching).addListener(f -> {
      if (!f.isSuccess()) {
        worker.close();
        client.close();
        t.released();
      }
    });
    // the 101 went through the client's encoder above: from here on both sides carry raw bytes
    t.fromWorker = new Tunnel(client, t);
    t.fromClient = new Tunnel(worker, t);
    client.pipeline().replace("proxy", "tunnel", t.fromClient);
    client.pipeline().remove("http");
    worker.pipeline().replace("backend", "tunnel", t.fromWorker);
    worker.pipeline().remove("http"); // what it had read past the 101 goes on to the tunnel
    client.config().setAutoRead(true);
    worker.config().setAutoRead(true);
    if (!worker.isActive()) {
      client.close();
      t.released();
      return;
    }
    if (!endpoint.tunnels.add(t)) {
      t.goAway(); // its worker's tunnel grace is over already
    }
  }

  /** Whether the headers of a request that asks for a protocol switch ask for a WebSocket. */
  static boolean webSocket(HttpHeaders request) {
    return request.containsValue(HttpHeaderNames.UPGRADE, "websocket", true);
  }

  /** Either side closed (or the 101 could not be written): the endpoint's in-flight count goes back, and its line is logged, once. */
  void released() {
    if (released.compareAndSet(false, true)) {
      endpoint.tunnels.remove(this);
      queue.release(endpoint);
      if (logLine != null) {
        logLine.closed(fromWorker == null ? 0 : fromWorker.bytes);
      }
    }
  }

  /** Its worker is draining and the tunnel grace is over: closes it, on its event loop (callable from any thread). */
  void goAway() {
    try {
      client.eventLoop().execute(this::closeNow);
    } catch (RejectedExecutionException e) {
      // the front's loops are shutting down: they close every connection themselves
    }
  }

  private void closeNow() {
    if (goingAway || released.get()) {
      return;
    }
    goingAway = true;
    // The worker's bytes stop before the close frame is written, and what it sends after is
    // dropped: nothing of the worker's can follow the frame. A frame of the worker's that was cut
    // by a read boundary is not completed first; the close frame then lands inside it and the
    // client fails the connection instead of reading 1001. nginx and Passenger close upgraded
    // connections the same way; following frame boundaries would mean parsing every frame.
    fromWorker.stop();
    fromClient.stop(); // the worker's connection closes below: the client's bytes have nowhere to go
    worker.config().setAutoRead(false);
    if (webSocket && client.isActive()) {
      ScheduledFuture<?> limit = client.eventLoop().schedule(() -> client.close(), FLUSH_LIMIT_MS, TimeUnit.MILLISECONDS);
      client.writeAndFlush(Unpooled.wrappedBuffer(GOING_AWAY)).addListener(f -> {
        limit.cancel(false);
        client.close();
      });
    } else {
      client.close();
    }
    worker.close(); // the worker's side is closed without a frame: its process is being stopped
  }
}
