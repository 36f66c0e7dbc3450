package io.drover.supervisor.process;

import io.drover.supervisor.config.ProbeSpec;
import io.drover.supervisor.config.ProbeType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Readiness and liveness probes against a worker's loopback port. Each probe opens a fresh
 * connection (HTTP probes send {@code Connection: close}), so no stale keep-alive socket ever
 * makes a healthy worker look dead. Probes block a thread of their own small pool, never an
 * actor's.
 */
public final class Probes {
  private static final ExecutorService POOL =
      Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "drover-probe");
            t.setDaemon(true);
            return t;
          });

  private Probes() {}

  /** Runs {@code probe} (http, else tcp) against {@code port}: null when it passed, else why not. */
  public static CompletionStage<String> run(ProbeSpec probe, int port, Duration timeout) {
    return probe.type() == ProbeType.HTTP ? http(port, probe.path(), timeout) : tcp(port, timeout);
  }

  /** The probe as a worker's detail names it: "http GET /health", "tcp", "READY=1 on NOTIFY_SOCKET". */
  public static String describe(ProbeSpec probe) {
    return switch (probe.type()) {
      case HTTP -> "http GET " + probe.path();
      case NOTIFY -> "READY=1 on NOTIFY_SOCKET";
      default -> probe.type().name().toLowerCase();
    };
  }

  /** Completes with null when {@code port} accepts a connection, else with the reason. */
  public static CompletionStage<String> tcp(int port, Duration timeout) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), millis(timeout));
            return null;
          } catch (IOException e) {
            return "tcp :" + port + ": " + e.getMessage();
          }
        },
        POOL);
  }

  /** Completes with null when GET {@code path} answers 2xx within {@code timeout}, else why not. */
  public static CompletionStage<String> http(int port, String path, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> httpGet(port, path, timeout), POOL);
  }

  private static String httpGet(int port, String path, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), millis(timeout));
      s.setSoTimeout(millis(timeout));
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                  + "\r\nUser-Agent: drover-probe\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = readLine(s.getInputStream(), deadline);
      // "HTTP/1.1 200 OK"
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        return "GET " + path + ": not an HTTP response";
      }
      int code = Integer.parseInt(parts[1]);
      return code >= 200 && code < 300 ? null : "GET " + path + " answered " + code;
    } catch (IOException | NumberFormatException e) {
      return "GET " + path + ": " + e.getMessage();
    }
  }

  private static String readLine(InputStream in, long deadline) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
      if (line.length() > 1024 || System.nanoTime() > deadline) {
        throw new IOException("status line too long or too slow");
      }
    }
    return line.toString();
  }

  private static int millis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }
}
