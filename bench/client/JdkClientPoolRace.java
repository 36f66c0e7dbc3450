import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Shows that Java's HttpClient fails requests by itself on reused HTTP/1.1 connections, with no
 * Drover involved: a plain blocking HTTP/1.1 server on loopback answers every request at once and
 * never closes a connection first; 4 threads send GETs and 1000-byte POSTs in turn through one
 * client, as the front's load tests do. Now and then a request fails with "HTTP/1.1 header
 * parser received no bytes", caused by "connection closed locally" in the client's own
 * ConnectionPool$CleanupTrigger: the answer arrived while the connection's reader still was the
 * pool's idle watch, which closed the connection (JDK-8338569, JDK-8357639). The load tests'
 * Load sets exactly those aside.
 *
 *   java bench/client/JdkClientPoolRace.java [seconds, default 60]
 */
public final class JdkClientPoolRace {
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    AtomicLong connections = new AtomicLong();
    AtomicLong closedByClient = new AtomicLong();
    Thread acceptor = new Thread(() -> {
      while (true) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          Thread t = new Thread(() -> serve(s, closedByClient));
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/echo");
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong byItsPool = new AtomicLong();
    AtomicReference<String> first = new AtomicReference<>();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (long i = 0; System.nanoTime() < deadline; i++) {
          HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
          if (i % 2 == 1) {
            b.POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000)));
          }
          try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            (r.statusCode() == 200 ? ok : failed).incrementAndGet();
          } catch (Exception e) {
            failed.incrementAndGet();
            if (closedByItsPool(e)) {
              byItsPool.incrementAndGet();
            }
            StringWriter w = new StringWriter();
            e.printStackTrace(new PrintWriter(w));
            first.compareAndSet(null, (i % 2 == 1 ? "POST " : "GET ") + w);
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    System.out.printf("Java %s: %d answered, %d failed (%d closed by the client's own pool) in %d s;%n", System.getProperty("java.version"),
        ok.get(), failed.get(), byItsPool.get(), seconds);
    System.out.printf("the server saw %d connections, %d closed by the client, none closed by itself%n", connections.get(),
        closedByClient.get());
    if (first.get() != null) {
      System.out.println("the first failure: " + first.get());
    }
    System.exit(0);
  }

  static boolean closedByItsPool(Throwable e) {
    for (int depth = 0; e != null && depth < 10; e = e.getCause(), depth++) {
      for (StackTraceElement frame : e.getStackTrace()) {
        if (frame.getClassName().equals("jdk.internal.net.http.ConnectionPool$CleanupTrigger")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Answers each request (head, then Content-Length bytes of body) at once; closes only when the client did. */
  static void serve(Socket s, AtomicLong closedByClient) {
    byte[] answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        int length = 0;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
          if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        if (line == null) {
          closedByClient.incrementAndGet();
          return;
        }
        in.readNBytes(length);
        out.write(answer);
        out.flush();
      }
    } catch (IOException e) {
      closedByClient.incrementAndGet();
    }
  }

  static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != -1; ) {
      if (c == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    return null;
  }
}
