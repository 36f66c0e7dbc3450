package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderValues;

/**
 * A worker's answer that arrived whole and plain, already made the bytes its client gets: the
 * front's fast path for the common answer. Plain means HTTP/1.1, a final status other than 204,
 * 205 and 304 (whose bodies the encoder drops), a Content-Length body of at most {@link #MAX_BODY} bytes that is all there, a head that
 * is well formed (token names, no control bytes, no folded lines), no Transfer-Encoding, and a
 * Connection header that names no other header; anything else is left to Netty's decoder and the
 * header rewriting of {@link StreamedTransport}, which this does the same as for such an answer
 * to a client of HTTP/1.1 kept alive ({@link ProxyHeaders#forResponse}): the hop-by-hop headers go
 * (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, Proxy-Authorization,
 * Proxy-Authenticate), X-Request-Id is the request's, and Via gains the front's when on. The
 * other lines are copied as they came, in their order.
 */
final class WholeAnswer extends io.netty.buffer.DefaultByteBufHolder {
  /** Not an answer: the head has not all arrived yet, and it may still be plain. */
  static final Object NEED_MORE = new Object();
  static final int MAX_BODY = 16 * 1024;
  private static final int MAX_HEAD = 16 * 1024;
  private static final int MAX_LINES = 64;
  /** The worker connection's decoder's limit: a longer status line is its error to report. */
  private static final int MAX_STATUS_LINE = 8192;
  private static final byte[] VERSION = ascii("HTTP/1.1 ");
  private static final byte[] ID_LINE = ascii(RequestIds.HEADER + ": ");
  private static final byte[] VIA_LINE = ascii("via: ");
  private static final byte[] VIA_ADDED = ascii(", " + ProxyHeaders.VIA + "\r\n");
  private static final byte[] VIA_NEW = ascii("via: " + ProxyHeaders.VIA + "\r\n");

  final int status;
  final int bodyLength;
  /** Whether the worker keeps the connection open after it (no Connection: close). */
  final boolean workerKeepsAlive;

  /** @param bytes the client's: head, then body */
  private WholeAnswer(ByteBuf bytes, int status, int bodyLength, boolean workerKeepsAlive) {
    super(bytes);
    this.status = status;
    this.bodyLength = bodyLength;
    this.workerKeepsAlive = workerKeepsAlive;
  }

  /** What a scan needs, one per event loop: the head's bytes, copied once, and the spans of its kept lines. */
  private static final class Scratch {
    final byte[] head = new byte[MAX_HEAD];
    /** The kept header lines, each a span [from, to) of {@link #head}, its CRLF included. */
    final int[] kept = new int[MAX_LINES * 2];
    int keptCount;
    int keptBytes;
    int status;
    int statusLineEnd;
    int headEnd;
    long contentLength;
    boolean keepAlive;
    int viaFrom;
    int viaTo;
    /** The Via line's index among the kept ones, or -1. */
    int viaLine;
  }

  private static final io.netty.util.concurrent.FastThreadLocal<Scratch> SCRATCHES = new io.netty.util.concurrent.FastThreadLocal<>() {
    @Override
    protected Scratch initialValue() {
      return new Scratch();
    }
  };
  /** Bytes copied for a first look: a usual head fits. */
  private static final int FIRST_LOOK = 1024;
  private static final int PLAIN = 0;
  private static final int MORE = 1;
  private static final int NOT_PLAIN = 2;

  /**
   * The answer at the start of {@code in} as a WholeAnswer (its bytes read from {@code in}),
   * {@link #NEED_MORE}, or null when it is not plain (nothing read).
   */
  static Object scan(ByteBuf in, ByteBufAllocator alloc, String requestId, boolean via) {
    Scratch s = SCRATCHES.get();
    int start = in.readerIndex();
    int readable = in.readableBytes();
    int n = Math.min(readable, FIRST_LOOK);
    in.getBytes(start, s.head, 0, n);
    int verdict = head(s, n);
    if (verdict == MORE && n < readable && n < MAX_HEAD) {
      n = Math.min(readable, MAX_HEAD); // a long head: look at all of it there is
      in.getBytes(start, s.head, 0, n);
      verdict = head(s, n);
    }
    if (verdict == MORE) {
      return n < MAX_HEAD ? NEED_MORE : null;
    }
    if (verdict == NOT_PLAIN || s.contentLength > MAX_BODY || readable - s.headEnd < s.contentLength) {
      return null; // a body large or not all here: streamed
    }
    int body = (int) s.contentLength;
    int[] kept = s.kept;
    int rewritten = via ? s.viaLine : -1; // the worker's Via line, written again with the front's added
    int viaBytes = !via ? 0 : s.viaFrom >= 0 ? VIA_LINE.length + (s.viaTo - s.viaFrom) + VIA_ADDED.length : VIA_NEW.length;
    int keptBytes = s.keptBytes - (rewritten >= 0 ? kept[rewritten * 2 + 1] - kept[rewritten * 2] : 0);
    ByteBuf out = alloc.ioBuffer(s.statusLineEnd + keptBytes + ID_LINE.length + requestId.length() + 2 + viaBytes + 2 + body);
    byte[] h = s.head;
    out.writeBytes(h, 0, s.statusLineEnd);
    for (int i = 0; i < s.keptCount; i++) {
      if (i != rewritten) {
        out.writeBytes(h, kept[i * 2], kept[i * 2 + 1] - kept[i * 2]);
      }
    }
    out.writeBytes(ID_LINE);
    ByteBufUtil.writeAscii(out, requestId);
    out.writeShort(0x0d0a);
    if (via) {
      if (s.viaFrom >= 0) {
        out.writeBytes(VIA_LINE).writeBytes(h, s.viaFrom, s.viaTo - s.viaFrom).writeBytes(VIA_ADDED);
      } else {
        out.writeBytes(VIA_NEW);
      }
    }
    out.writeShort(0x0d0a);
    out.writeBytes(in, start + s.headEnd, body);
    in.readerIndex(start + s.headEnd + body);
    return new WholeAnswer(out, s.status, body, s.keepAlive);
  }

  /** Reads the head in the first {@code n} bytes of {@code s.head}: PLAIN (its parts in {@code s}), MORE or NOT_PLAIN. */
  private static int head(Scratch s, int n) {
    byte[] b = s.head;
    for (int i = 0; i < VERSION.length; i++) {
      if (i == n) {
        return MORE;
      }
      if (b[i] != VERSION[i]) {
        return NOT_PLAIN;
      }
    }
    // the status line: three digits, then a reason phrase (or none)
    int p = VERSION.length;
    if (n - p < 5) {
      return MORE;
    }
    int status = digit(b[p]) * 100 + digit(b[p + 1]) * 10 + digit(b[p + 2]);
    if (status < 200 || status > 599 || status == 204 || status == 205 || status == 304 || (b[p + 3] != ' ' && b[p + 3] != '\r')) {
      return NOT_PLAIN;
    }
    int lineEnd = lineEnd(b, p + 3, Math.min(n, MAX_STATUS_LINE));
    if (lineEnd < 0) {
      return lineEnd == -1 && n < MAX_STATUS_LINE ? MORE : NOT_PLAIN;
    }
    s.status = status;
    s.statusLineEnd = lineEnd;
    s.keptCount = 0;
    s.keptBytes = 0;
    s.contentLength = -1;
    s.keepAlive = true;
    s.viaFrom = -1;
    s.viaTo = -1;
    s.viaLine = -1;
    p = lineEnd;
    while (true) {
      lineEnd = lineEnd(b, p, n);
      if (lineEnd < 0) {
        return lineEnd == -1 ? MORE : NOT_PLAIN;
      }
      if (lineEnd == p + 2) {
        s.headEnd = lineEnd; // the empty line: the head ends
        return s.contentLength < 0 ? NOT_PLAIN : PLAIN; // no length: chunked, or ends with the connection
      }
      int colon = p;
      while (colon < lineEnd - 2 && isTokenChar(b[colon])) {
        colon++;
      }
      if (colon == p || b[colon] != ':') {
        return NOT_PLAIN; // an empty or odd name, whitespace before the colon, a folded line
      }
      int valueFrom = skipSpaces(b, colon + 1, lineEnd - 2);
      int valueTo = trimSpaces(b, valueFrom, lineEnd - 2);
      boolean keep;
      switch (kind(b, p, colon - p)) {
        case KEEP -> keep = true;
        case CONTENT_LENGTH -> {
          if (s.contentLength >= 0 || (s.contentLength = digits(b, valueFrom, valueTo)) < 0) {
            return NOT_PLAIN; // a second one, or not a number
          }
          keep = true;
        }
        case CONNECTION -> {
          int tokens = connectionTokens(b, valueFrom, valueTo);
          if (tokens < 0) {
            return NOT_PLAIN; // it names headers to drop: the decoder's way
          }
          s.keepAlive &= tokens == 0;
          keep = false;
        }
        case VIA -> {
          if (s.viaFrom >= 0) {
            return NOT_PLAIN;
          }
          s.viaFrom = valueFrom;
          s.viaTo = valueTo;
          s.viaLine = s.keptCount;
          keep = true; // unless the front adds its own: the line is then rewritten
        }
        case TRANSFER_ENCODING -> {
          return NOT_PLAIN;
        }
        default -> keep = false; // hop-by-hop, or the worker's own X-Request-Id: not passed on
      }
      if (keep) {
        if (s.keptCount == MAX_LINES) {
          return NOT_PLAIN;
        }
        s.kept[s.keptCount * 2] = p;
        s.kept[s.keptCount * 2 + 1] = lineEnd;
        s.keptCount++;
        s.keptBytes += lineEnd - p;
      }
      p = lineEnd;
    }
  }

  private enum Kind { KEEP, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, VIA, DROP }

  /** Not passed on: the hop-by-hop headers ({@link ProxyHeaders#HOP_BY_HOP}), and the worker's own request id. */
  private static final byte[][] DROPPED = dropped();

  private static byte[][] dropped() {
    byte[][] names = new byte[ProxyHeaders.HOP_BY_HOP.length + 1][];
    for (int i = 0; i < ProxyHeaders.HOP_BY_HOP.length; i++) {
      names[i] = ascii(ProxyHeaders.HOP_BY_HOP[i].toString());
    }
    names[names.length - 1] = ascii(RequestIds.HEADER.toString());
    return names;
  }

  private static final byte[] CONTENT_LENGTH = ascii("content-length");
  private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
  private static final byte[] CONNECTION = ascii("connection");
  private static final byte[] VIA = ascii("via");
  private static final byte[] CLOSE = ascii("close");
  private static final byte[] KEEP_ALIVE = ascii(HttpHeaderValues.KEEP_ALIVE.toString());

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static Kind kind(byte[] b, int from, int length) {
    if (named(b, from, length, CONTENT_LENGTH)) {
      return Kind.CONTENT_LENGTH;
    }
    if (named(b, from, length, CONNECTION)) {
      return Kind.CONNECTION;
    }
    if (named(b, from, length, TRANSFER_ENCODING)) {
      return Kind.TRANSFER_ENCODING;
    }
    if (named(b, from, length, VIA)) {
      return Kind.VIA;
    }
    for (byte[] name : DROPPED) {
      if (named(b, from, length, name)) {
        return Kind.DROP;
      }
    }
    return Kind.KEEP;
  }

  /** Whether the bytes [from, from + length) are {@code name} (lower case), ignoring case. */
  private static boolean named(byte[] b, int from, int length, byte[] name) {
    if (length != name.length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      byte c = b[from + i];
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != name[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end (after its CRLF) of the line starting at {@code from}; -1 when no CRLF comes before
   * {@code limit}; -2 when the line holds a control byte other than HTAB (a bare CR or LF, a NUL).
   */
  private static int lineEnd(byte[] b, int from, int limit) {
    for (int i = from; i < limit; i++) {
      byte c = b[i];
      if (c == '\r') {
        if (i + 1 == limit) {
          return -1;
        }
        return b[i + 1] == '\n' ? i + 2 : -2;
      }
      if ((c < 0x20 && c >= 0 && c != '\t') || c == 0x7f) {
        return -2;
      }
    }
    return -1;
  }

  private static boolean isTokenChar(byte c) {
    if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
      return true;
    }
    return c > 0x20 && c < 0x7f && "!#$%&'*+.^_`|~".indexOf(c) >= 0;
  }

  private static int skipSpaces(byte[] b, int from, int to) {
    while (from < to && (b[from] == ' ' || b[from] == '\t')) {
      from++;
    }
    return from;
  }

  private static int trimSpaces(byte[] b, int from, int to) {
    while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
      to--;
    }
    return to;
  }

  /** The decimal number in [from, to), or -1 when it is not one (empty, another byte, more than 18 digits). */
  private static long digits(byte[] b, int from, int to) {
    if (from == to || to - from > 18) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      int d = digit(b[i]);
      if (d < 0) {
        return -1;
      }
      n = n * 10 + d;
    }
    return n;
  }

  private static int digit(byte c) {
    return c >= '0' && c <= '9' ? c - '0' : -1000;
  }

  /** A Connection value: 0 for keep-alive (or empty), 1 when it holds close, -1 when it names anything else. */
  private static int connectionTokens(byte[] b, int from, int to) {
    int result = 0;
    int p = from;
    while (p <= to) {
      int comma = p;
      while (comma < to && b[comma] != ',') {
        comma++;
      }
      int x = skipSpaces(b, p, comma);
      int y = trimSpaces(b, x, comma);
      if (named(b, x, y - x, CLOSE)) {
        result = 1;
      } else if (y > x && !named(b, x, y - x, KEEP_ALIVE)) {
        return -1;
      }
      p = comma + 1;
    }
    return result;
  }
}
