package io.drover.http.front;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a plain socket, for requests no well-behaved client sends:
 * arbitrary request bytes, bodies written while the answer is read, every read bounded in time.
 */
public final class RawHttp {
  private RawHttp() {}

  /** An answer read off the socket: status, headers (lower-case names), body, time taken, its HTTP version. */
  public record Answer(int status, Map<String, String> headers, byte[] body, long millis, String version) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.getOrDefault(name, "");
    }

    @Override
    public String toString() {
      String t = text();
      return status + " " + headers.getOrDefault("content-type", "") + " " + (t.length() > 300 ? t.substring(0, 300) + "..." : t);
    }
  }

  /** Sends {@code head} (and {@code body}, written by another thread) and reads one answer. */
  public static Answer exchange(int port, byte[] head, byte[] body, Duration timeout) throws IOException {
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
      s.setSoTimeout((int) timeout.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(head);
      out.flush();
      Thread writer = null;
      if (body != null && body.length > 0) {
        writer = new Thread(() -> {
          try {
            for (int off = 0; off < body.length; off += 64 * 1024) {
              out.write(body, off, Math.min(64 * 1024, body.length - off));
            }
            out.flush();
          } catch (IOException e) {
            // the server refused the rest of the body and closed: expected for refused bodies
          }
        }, "raw-http-body");
        writer.setDaemon(true);
        writer.start();
      }
      try {
        return read(new java.io.BufferedInputStream(s.getInputStream()), start, System.nanoTime() + timeout.toNanos());
      } finally {
        s.close();
        if (writer != null) {
          try {
            writer.join(timeout.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
  }

  public static Answer exchange(int port, String request, Duration timeout) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), null, timeout);
  }

  /** Reads one answer: the head, then a body framed by Content-Length, chunks or the end of the stream. */
  public static Answer read(InputStream in, long startNanos, long deadlineNanos) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = readByte(in, deadlineNanos);
      if (b < 0) {
        throw new IOException("closed before an answer's head was complete; got: " + head.toString(StandardCharsets.ISO_8859_1));
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    int status = Integer.parseInt(statusLine[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers.put(lines[i].substring(0, c).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(c + 1).trim());
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (headers.containsKey("content-length")) {
      long n = Long.parseLong(headers.get("content-length"));
      for (long i = 0; i < n; i++) {
        int b = readByte(in, deadlineNanos);
        if (b < 0) {
          throw new IOException("closed " + i + " bytes into a body of " + n);
        }
        body.write(b);
      }
    } else if (headers.getOrDefault("transfer-encoding", "").contains("chunked")) {
      while (true) {
        String size = readLine(in, deadlineNanos);
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        for (int i = 0; i < n; i++) {
          body.write(readByte(in, deadlineNanos));
        }
        readLine(in, deadlineNanos);
        if (n == 0) {
          break;
        }
      }
    } else if (status >= 200 && status != 204 && status != 304) {
      for (int b = readByte(in, deadlineNanos); b >= 0; b = readByte(in, deadlineNanos)) {
        body.write(b);
      }
    }
    return new Answer(status, headers, body.toByteArray(), (System.nanoTime() - startNanos) / 1_000_000, statusLine[0]);
  }

  private static String readLine(InputStream in, long deadlineNanos) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = readByte(in, deadlineNanos); b >= 0 && b != '\n'; b = readByte(in, deadlineNanos)) {
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  private static int readByte(InputStream in, long deadlineNanos) throws IOException {
    if (System.nanoTime() > deadlineNanos) {
      throw new SocketTimeoutException("no complete answer in time");
    }
    return in.read();
  }

  /** File descriptors this JVM holds open. */
  public static int openFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }

  /** TCP connections in state ESTABLISHED whose local or remote port is {@code port} (IPv4 and IPv6). */
  public static int established(int port) throws IOException {
    int n = 0;
    for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path p = Path.of(file);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 4 || !f[3].equals("01")) {
          continue;
        }
        int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
        if (local == port) {
          n++;
        }
      }
    }
    return n;
  }
}
