package io.drover.http.front;

import io.drover.supervisor.config.AccessLogSpec;
import io.drover.supervisor.process.LogPump;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The front's access log, {@code <logs-dir>/access.log}: one line per request ({@link AccessLine},
 * written as {@link AccessLogFormat} says), rotated like a worker's logs by a {@link LogPump}.
 *
 * <p>An event loop never waits on it: a line is offered to a bounded queue, and when the queue is
 * full (the disk or the writer is behind) it is dropped and counted, never stalling a request. One
 * daemon thread, started with the first line, takes the queue in batches and writes each batch in
 * one call; it sleeps between batches rather than being woken per line. Lines dropped are counted
 * in {@code drover.http.access-log.dropped}, and a line in the file says how many. A file that
 * cannot be written is the {@link LogPump}'s: reported once, its lines dropped until it can be
 * written again.
 */
final class AccessLog implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AccessLog.class);
  /** Lines that may wait for the writer: a few seconds' worth at the front's top rate. */
  static final int QUEUE = 64 * 1024;
  private static final int BATCH = 1024;
  /** How long the writer sleeps after a batch that did not fill up: lines reach the file within about this. */
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final AccessLogSpec spec;
  private final Path file;
  private final LogPump pump;
  private final ArrayBlockingQueue<AccessLine> queue;
  private final LongAdder dropped = new LongAdder();
  private final Object startLock = new Object();
  private volatile Thread writer;
  private volatile boolean closing;
  /** A line failed to format (a bug): reported once. The writer's only. */
  private boolean formatFailed;

  private AccessLog(AccessLogSpec spec, Path file, LogPump pump, int capacity) {
    this.spec = spec;
    this.file = file;
    this.pump = pump;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /**
   * The access log of a front whose node keeps its logs in {@code logsDir}; nothing is written (no
   * file, no thread) until a request of an app that is logged ends.
   */
  static AccessLog of(AccessLogSpec spec, Path logsDir, MeterRegistry registry) {
    return of(spec, logsDir, registry, QUEUE, detail -> {}); // the pump logs a failing file itself, once
  }

  /** As {@link #of(AccessLogSpec, Path, MeterRegistry)}, with a queue of {@code capacity} lines, telling {@code report} when the file cannot be written and when it can again. */
  static AccessLog of(AccessLogSpec spec, Path logsDir, MeterRegistry registry, int capacity,
      java.util.function.Consumer<String> report) {
    Path file = logsDir.resolve("access.log");
    LogPump pump = LogPump.toFile(file, spec.rotation(), "front", "access-log", report);
    AccessLog log = new AccessLog(spec, file, pump, capacity);
    FunctionCounter.builder("drover.http.access-log.dropped", log.dropped, LongAdder::sum)
        .description("Access log lines dropped because the writer was behind (requests are never slowed for it)")
        .register(registry);
    return log;
  }

  Path file() {
    return file;
  }

  /** Whether the requests of {@code route}'s app are logged (null: a request that matched no route). */
  boolean logs(RouteSnapshot.Route route) {
    return route == null ? spec.enabled() : route.spec().accessLog().logs(spec.enabled());
  }

  /** The exchange ended (answered, failed, or its client left); on its event loop. */
  void ended(Exchange e) {
    if (logs(e.route)) {
      add(AccessLine.of(e, System.nanoTime(), null, e.bytesOut));
    }
  }

  /** The exchange became a tunnel: its line, to be written when the tunnel closes; null when it is not logged. */
  TunnelLine tunnel(Exchange e) {
    return logs(e.route) ? new TunnelLine(this, e) : null;
  }

  /** A tunnel's line: written once, when the tunnel closes. */
  record TunnelLine(AccessLog log, Exchange exchange) {
    void closed(long bytesFromWorker) {
      String upgrade = exchange.request.headers().get(io.netty.handler.codec.http.HttpHeaderNames.UPGRADE);
      log.add(AccessLine.of(exchange, System.nanoTime(), upgrade == null ? "-" : upgrade, bytesFromWorker));
    }
  }

  /** Queues a line; any thread, never waits: when the queue is full the line is dropped and counted. */
  void add(AccessLine line) {
    if (writer == null) {
      start();
    }
    if (!queue.offer(line)) {
      dropped.increment();
    }
  }

  long dropped() {
    return dropped.sum();
  }

  private void start() {
    synchronized (startLock) {
      if (writer == null && !closing) {
        Thread t = new Thread(null, this::run, "drover-access-log", 256 * 1024);
        t.setDaemon(true);
        t.start();
        writer = t;
      }
    }
  }

  private void run() {
    AccessLogFormat format = new AccessLogFormat(spec.format());
    List<AccessLine> batch = new ArrayList<>(BATCH);
    Buffer out = new Buffer(BATCH * 256);
    long droppedBefore = 0;
    while (true) {
      boolean last = closing; // read first: every line queued before close() is written
      queue.drainTo(batch, BATCH);
      long droppedNow = dropped.sum();
      if (droppedNow != droppedBefore) {
        format.dropped(droppedNow - droppedBefore, System.currentTimeMillis(), out);
        droppedBefore = droppedNow;
      }
      for (AccessLine line : batch) {
        try {
          format.write(line, out);
        } catch (RuntimeException e) { // a line that cannot be written must not end the writer
          if (!formatFailed) {
            formatFailed = true;
            log.warn("[front] [access-log] a line could not be written, leaving it out (reported once): {}", e.toString());
          }
        }
      }
      if (out.size() > 0) {
        pump.write(out.array(), out.size());
        out.reset();
      }
      int n = batch.size();
      batch.clear();
      if (n == 0 && last) {
        break;
      }
      if (n < BATCH) {
        LockSupport.parkNanos(this, PAUSE_NANOS);
      }
    }
    pump.close();
  }

  /** A stream whose buffer is written as it is: no copy per batch. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer(int size) {
      super(size);
    }

    byte[] array() {
      return buf;
    }
  }

  /** Writes what is queued, then stops the writer (waiting up to 2 s). */
  @Override
  public void close() {
    Thread t;
    synchronized (startLock) {
      closing = true;
      t = writer;
    }
    if (t == null) {
      return;
    }
    LockSupport.unpark(t);
    try {
      t.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
