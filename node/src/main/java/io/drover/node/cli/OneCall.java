package io.drover.node.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One request and its whole answer over a connection of its own (HTTP/1.1, {@code Connection:
 * close}): what a CLI call needs from the management API, without setting up the JDK's
 * HttpClient (its selector thread, executor and async machinery are a sixth of such a call).
 * https is TLS over the same socket, trusting {@code trust} (null: the JDK's default), with the
 * host name checked against the certificate as HttpClient does. Streams ({@code -f}) stay on
 * HttpClient.
 */
final class OneCall {
  /** The answer: status, Content-Type ("" for none) and body. */
  record Answer(int status, String contentType, String body) {}

  /** Connecting took longer than its bound. */
  static final class ConnectTimeout extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectTimeout(String message) {
      super(message);
    }
  }

  /** No answer before the deadline. */
  static final class NoAnswer extends IOException {
    private static final long serialVersionUID = 1L;

    NoAnswer() {
      super("no answer in time");
    }
  }

  /** The longest head (status line and headers) read. */
  private static final int MAX_HEAD = 64 * 1024;

  private OneCall() {}

  /**
   * Sends {@code method target} to {@code uri}'s host and reads the answer before {@code
   * deadline} (System.nanoTime); connecting is bounded by {@code connectMillis} too.
   */
  static Answer send(URI uri, String method, Map<String, String> headers, byte[] body, SSLContext trust, int connectMillis, long deadline)
      throws IOException {
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
    String host = uri.getHost();
    Socket socket = new Socket();
    try {
      try {
        socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(connectMillis, remaining(deadline))));
      } catch (SocketTimeoutException e) {
        throw new ConnectTimeout("connect timed out");
      }
      socket.setTcpNoDelay(true);
      Socket s = https ? tls(socket, host, port, trust, deadline) : socket;
      StringBuilder head = new StringBuilder(256)
          .append(method).append(' ').append(target(uri)).append(" HTTP/1.1\r\n")
          .append("Host: ").append(uri.getRawAuthority()).append("\r\n");
      for (Map.Entry<String, String> h : headers.entrySet()) {
        head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      if (body != null || method.equals("POST")) {
        head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      return read(s, new BufferedInputStream(s.getInputStream(), 8192), deadline);
    } finally {
      socket.close();
    }
  }

  private static Socket tls(Socket plain, String host, int port, SSLContext trust, long deadline) throws IOException {
    SSLContext context;
    try {
      context = trust != null ? trust : SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("TLS is not available: " + e.getMessage(), e);
    }
    SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
    SSLParameters params = tls.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(params);
    tls.setSoTimeout(timeoutMillis(deadline));
    try {
      tls.startHandshake();
    } catch (SocketTimeoutException e) {
      throw new NoAnswer();
    }
    return tls;
  }

  /** The request target: the path (at least "/") and query of {@code uri}, as they are written. */
  private static String target(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  private static Answer read(Socket s, InputStream in, long deadline) throws IOException {
    while (true) {
      String status = line(s, in, deadline, true);
      // "HTTP/1.1 200 OK"
      String[] parts = status.split(" ", 3);
      int code;
      try {
        code = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
      } catch (NumberFormatException e) {
        code = -1;
      }
      if (code < 100 || code > 999) {
        throw new IOException("not an HTTP answer: " + Cli.oneLine(status, 80));
      }
      long length = -1;
      boolean chunked = false;
      String contentType = "";
      int size = status.length();
      for (String h = line(s, in, deadline, false); !h.isEmpty(); h = line(s, in, deadline, false)) {
        size += h.length();
        if (size > MAX_HEAD) {
          throw new IOException("the answer's headers are too long");
        }
        int colon = h.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = h.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "content-type" -> contentType = value;
          default -> { }
        }
      }
      if (code < 200) {
        continue; // 100 Continue and the like: the answer follows
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 && length < (1 << 20) ? (int) length : 1024);
      if (code == 204 || code == 304) {
        // no body
      } else if (chunked) {
        for (long n = chunkSize(line(s, in, deadline, false)); n > 0; n = chunkSize(line(s, in, deadline, false))) {
          copy(s, in, body, n, deadline);
          line(s, in, deadline, false);
        }
        while (!line(s, in, deadline, false).isEmpty()) {
          // trailers
        }
      } else if (length >= 0) {
        copy(s, in, body, length, deadline);
      } else {
        copy(s, in, body, Long.MAX_VALUE, deadline); // until the node closes the connection
      }
      return new Answer(code, contentType, body.toString(StandardCharsets.UTF_8));
    }
  }

  private static long chunkSize(String line) throws IOException {
    int semi = line.indexOf(';');
    try {
      return Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
    } catch (NumberFormatException e) {
      throw new IOException("a malformed chunk in the answer");
    }
  }

  /** {@code n} bytes (or up to the end of the stream when n is Long.MAX_VALUE) into {@code to}. */
  private static void copy(Socket s, InputStream in, ByteArrayOutputStream to, long n, long deadline) throws IOException {
    byte[] buffer = new byte[8192];
    long left = n;
    while (left > 0) {
      s.setSoTimeout(timeoutMillis(deadline));
      int r;
      try {
        r = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      } catch (SocketTimeoutException e) {
        throw new NoAnswer();
      }
      if (r < 0) {
        if (n == Long.MAX_VALUE) {
          return;
        }
        throw new EOFException("the node closed the connection in the middle of its answer");
      }
      to.write(buffer, 0, r);
      left -= r;
    }
  }

  /**
   * One line without its CRLF. At the very start of the answer, an end of stream is "received no
   * bytes" and a TLS record "answered in TLS" (ApiErrors tells the user about https).
   */
  private static String line(Socket s, InputStream in, long deadline, boolean first) throws IOException {
    StringBuilder line = new StringBuilder(64);
    s.setSoTimeout(timeoutMillis(deadline));
    try {
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new EOFException(first && line.length() == 0
              ? "the node closed the connection: received no bytes"
              : "the node closed the connection in the middle of its answer");
        }
        if (first && line.length() == 0 && (b == 0x15 || b == 0x16)) {
          throw new IOException("the node answered in TLS"); // a TLS alert or handshake record, not "HTTP/1.1 ..."
        }
        if (b != '\r') {
          line.append((char) b);
        }
        if (line.length() > MAX_HEAD) {
          throw new IOException("a line of the answer is too long");
        }
      }
    } catch (SocketTimeoutException e) {
      throw new NoAnswer();
    }
    return line.toString();
  }

  private static long remaining(long deadline) {
    return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
  }

  /** SO_TIMEOUT for the time left (0 would mean none: at least 1 ms). */
  private static int timeoutMillis(long deadline) {
    long ms = remaining(deadline);
    if (ms <= 0) {
      return 1;
    }
    return (int) Math.min(Integer.MAX_VALUE, ms);
  }
}
