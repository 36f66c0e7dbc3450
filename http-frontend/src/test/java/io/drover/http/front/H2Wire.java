package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/2 client written frame by frame over a plain socket (h2c with prior knowledge), for tests
 * that need what a library client hides: a stream it never reads, streams past a limit, a header
 * block of a chosen size, a flood. Header blocks are coded with Netty's HPACK coder.
 */
final class H2Wire implements Closeable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int ACK = 0x1;

  /** One frame as it came: its payload whole. */
  record Frame(int type, int flags, int stream, byte[] payload) {
    boolean endStream() {
      return (flags & END_STREAM) != 0 && (type == DATA || type == HEADERS);
    }

    /** The error code of a RST_STREAM or GOAWAY. */
    int errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);

  /** Connects to {@code port} and sends the preface with an empty SETTINGS (every setting at its default). */
  H2Wire(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    in = new DataInputStream(socket.getInputStream());
    ByteArrayOutputStream out = preface();
    socket.getOutputStream().write(out.toByteArray());
  }

  /** A client connection's preface and its (empty) SETTINGS frame. */
  static ByteArrayOutputStream preface() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(out, SETTINGS, 0, 0, new byte[0]);
    return out;
  }

  static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.writeBytes(payload);
  }

  void send(int type, int flags, int stream, byte[] payload) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frame(out, type, flags, stream, payload);
    socket.getOutputStream().write(out.toByteArray());
  }

  /** A whole request without a body on {@code stream}: GET {@code path}, plus {@code extra} name/value pairs. */
  void get(int stream, String path, String... extra) throws Exception {
    Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("127.0.0.1");
    for (int i = 0; i + 1 < extra.length; i += 2) {
      h.add(extra[i], extra[i + 1]);
    }
    ByteBuf block = Unpooled.buffer();
    try {
      encoder.encodeHeaders(stream, h, block);
      byte[] bytes = new byte[block.readableBytes()];
      block.readBytes(bytes);
      send(HEADERS, END_STREAM | END_HEADERS, stream, bytes);
    } finally {
      block.release();
    }
  }

  void windowUpdate(int stream, int increment) throws IOException {
    send(WINDOW_UPDATE, 0, stream, new byte[] {(byte) (increment >>> 24), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment});
  }

  /** The next frame; a SETTINGS from the front is acknowledged on the way, as a client must. */
  Frame read() throws IOException {
    int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    Frame f = new Frame(type, flags, stream, in.readNBytes(length));
    if (type == SETTINGS && (flags & ACK) == 0) {
      send(SETTINGS, ACK, 0, new byte[0]);
    }
    return f;
  }

  /** The value of {@code id} in a SETTINGS frame, or -1 when it does not carry it. */
  static long setting(Frame settings, int id) {
    byte[] p = settings.payload();
    for (int i = 0; i + 6 <= p.length; i += 6) {
      if (((p[i] & 0xff) << 8 | (p[i + 1] & 0xff)) == id) {
        return ((long) (p[i + 2] & 0xff) << 24) | ((p[i + 3] & 0xff) << 16) | ((p[i + 4] & 0xff) << 8) | (p[i + 5] & 0xff);
      }
    }
    return -1;
  }

  /** The headers of a HEADERS frame that carries a whole block (END_HEADERS), decoded in connection order. */
  Http2Headers headers(Frame f) throws Http2Exception {
    ByteBuf block = Unpooled.wrappedBuffer(f.payload());
    try {
      return decoder.decodeHeaders(f.stream(), block);
    } finally {
      block.release();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
