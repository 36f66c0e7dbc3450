package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.AsciiString;

/**
 * A worker's answer that arrived whole and plain, already made the bytes its client gets: the
 * front's fast path for the common answer. Plain means HTTP/1.1, a final status other than 204
 * and 304, a Content-Length body of at most {@link #MAX_BODY} bytes that is all there, a head that
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
  static final int SCRATCH = MAX_LINES * 2;
  private static final byte[] VERSION = "HTTP/1.1 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] ID_LINE = "x-request-id: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] VIA_LINE = "via: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] VIA_ADDED = ", 1.1 drover\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] VIA_NEW = "via: 1.1 drover\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

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

  /**
   * The answer at the start of {@code in} as a WholeAnswer (its bytes read from {@code in}),
   * {@link #NEED_MORE}, or null when it is not plain (nothing read). {@code kept} is scratch
   * space of {@link #SCRATCH} ints.
   */
  static Object scan(ByteBuf in, ByteBufAllocator alloc, String requestId, boolean via, int[] kept) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    for (int i = 0; i < VERSION.length; i++) {
      if (start + i == end) {
        return NEED_MORE;
      }
      if (in.getByte(start + i) != VERSION[i]) {
        return null;
      }
    }
    int limit = Math.min(end, start + MAX_HEAD);
    // the status line: three digits, then a reason phrase (or none)
    int p = start + VERSION.length;
    if (limit - p < 5) {
      return end - start < MAX_HEAD ? NEED_MORE : null;
    }
    int status = digit(in.getByte(p)) * 100 + digit(in.getByte(p + 1)) * 10 + digit(in.getByte(p + 2));
    if (status < 200 || status > 599 || status == 204 || status == 304) {
      return null;
    }
    byte after = in.getByte(p + 3);
    if (after != ' ' && after != '\r') {
      return null;
    }
    int lineEnd = lineEnd(in, p + 3, limit);
    if (lineEnd < 0) {
      return lineEnd == -1 && end - start < MAX_HEAD ? NEED_MORE : null;
    }
    int statusLineEnd = lineEnd;
    // the header lines: each kept one is a span [from, to) of in, its CRLF included
    int keptCount = 0;
    int keptBytes = 0;
    long contentLength = -1;
    boolean keepAlive = true;
    int viaFrom = -1;
    int viaTo = -1;
    p = lineEnd;
    while (true) {
      lineEnd = lineEnd(in, p, limit);
      if (lineEnd < 0) {
        return lineEnd == -1 && end - start < MAX_HEAD ? NEED_MORE : null;
      }
      if (lineEnd == p + 2) {
        p = lineEnd; // the empty line: the head ends
        break;
      }
      int colon = p;
      while (colon < lineEnd - 2 && isTokenChar(in.getByte(colon))) {
        colon++;
      }
      if (colon == p || in.getByte(colon) != ':') {
        return null; // an empty or odd name, whitespace before the colon, a folded line
      }
      int valueFrom = skipSpaces(in, colon + 1, lineEnd - 2);
      int valueTo = trimSpaces(in, valueFrom, lineEnd - 2);
      switch (hopByHop(in, p, colon - p)) {
        case KEEP -> {
          if (keptCount == MAX_LINES) {
            return null;
          }
          kept[keptCount * 2] = p;
          kept[keptCount * 2 + 1] = lineEnd;
          keptCount++;
          keptBytes += lineEnd - p;
        }
        case CONTENT_LENGTH -> {
          if (contentLength >= 0 || (contentLength = digits(in, valueFrom, valueTo)) < 0) {
            return null; // a second one, or not a number
          }
          kept[keptCount * 2] = p;
          kept[keptCount * 2 + 1] = lineEnd;
          keptCount++;
          keptBytes += lineEnd - p;
        }
        case CONNECTION -> {
          int tokens = connectionTokens(in, valueFrom, valueTo);
          if (tokens < 0) {
            return null; // it names headers to drop: the decoder's way
          }
          keepAlive &= tokens == 0;
        }
        case VIA -> {
          if (viaFrom >= 0) {
            return null;
          }
          viaFrom = valueFrom;
          viaTo = valueTo;
          if (!via) {
            if (keptCount == MAX_LINES) {
              return null;
            }
            kept[keptCount * 2] = p;
            kept[keptCount * 2 + 1] = lineEnd;
            keptCount++;
            keptBytes += lineEnd - p;
          }
        }
        case TRANSFER_ENCODING -> {
          return null;
        }
        default -> { } // hop-by-hop, or the worker's own X-Request-Id: not passed on
      }
      p = lineEnd;
    }
    if (contentLength < 0 || contentLength > MAX_BODY || end - p < contentLength) {
      return null; // no length (chunked, or ends with the connection), large, or not all here: streamed
    }
    int body = (int) contentLength;
    int size = (statusLineEnd - start) + keptBytes + ID_LINE.length + requestId.length() + 2
        + (via ? (viaFrom >= 0 ? VIA_LINE.length + (viaTo - viaFrom) + VIA_ADDED.length : VIA_NEW.length) : 0) + 2 + body;
    ByteBuf out = alloc.ioBuffer(size);
    out.writeBytes(in, start, statusLineEnd - start);
    for (int i = 0; i < keptCount; i++) {
      out.writeBytes(in, kept[i * 2], kept[i * 2 + 1] - kept[i * 2]);
    }
    out.writeBytes(ID_LINE);
    ByteBufUtil.writeAscii(out, requestId);
    out.writeShort(0x0d0a);
    if (via) {
      if (viaFrom >= 0) {
        out.writeBytes(VIA_LINE).writeBytes(in, viaFrom, viaTo - viaFrom).writeBytes(VIA_ADDED);
      } else {
        out.writeBytes(VIA_NEW);
      }
    }
    out.writeShort(0x0d0a);
    out.writeBytes(in, p, body);
    in.readerIndex(p + body);
    return new WholeAnswer(out, status, body, keepAlive);
  }

  private enum Kind { KEEP, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, VIA, DROP }

  private static final AsciiString[] DROPPED = {
    AsciiString.cached("keep-alive"), AsciiString.cached("proxy-connection"), AsciiString.cached("te"),
    AsciiString.cached("trailer"), AsciiString.cached("upgrade"), AsciiString.cached("proxy-authorization"),
    AsciiString.cached("proxy-authenticate"), RequestIds.HEADER,
  };
  private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
  private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("transfer-encoding");
  private static final AsciiString CONNECTION = AsciiString.cached("connection");
  private static final AsciiString VIA = AsciiString.cached("via");

  private static Kind hopByHop(ByteBuf in, int from, int length) {
    if (named(in, from, length, CONTENT_LENGTH)) {
      return Kind.CONTENT_LENGTH;
    }
    if (named(in, from, length, CONNECTION)) {
      return Kind.CONNECTION;
    }
    if (named(in, from, length, TRANSFER_ENCODING)) {
      return Kind.TRANSFER_ENCODING;
    }
    if (named(in, from, length, VIA)) {
      return Kind.VIA;
    }
    for (AsciiString name : DROPPED) {
      if (named(in, from, length, name)) {
        return Kind.DROP;
      }
    }
    return Kind.KEEP;
  }

  /** Whether the bytes [from, from + length) are {@code name} (lower case), ignoring case. */
  private static boolean named(ByteBuf in, int from, int length, AsciiString name) {
    if (length != name.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      byte b = in.getByte(from + i);
      if (b >= 'A' && b <= 'Z') {
        b += 'a' - 'A';
      }
      if (b != name.byteAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end (after its CRLF) of the line starting at {@code from}; -1 when no CRLF comes before
   * {@code limit}; -2 when the line holds a control byte other than HTAB (a bare CR or LF, a NUL).
   */
  private static int lineEnd(ByteBuf in, int from, int limit) {
    for (int i = from; i < limit; i++) {
      byte b = in.getByte(i);
      if (b == '\r') {
        if (i + 1 == limit) {
          return -1;
        }
        return in.getByte(i + 1) == '\n' ? i + 2 : -2;
      }
      if ((b < 0x20 && b != '\t') || b == 0x7f) {
        return -2;
      }
    }
    return -1;
  }

  private static boolean isTokenChar(byte b) {
    if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
      return true;
    }
    return b > 0x20 && b < 0x7f && "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
  }

  private static int skipSpaces(ByteBuf in, int from, int to) {
    while (from < to && (in.getByte(from) == ' ' || in.getByte(from) == '\t')) {
      from++;
    }
    return from;
  }

  private static int trimSpaces(ByteBuf in, int from, int to) {
    while (to > from && (in.getByte(to - 1) == ' ' || in.getByte(to - 1) == '\t')) {
      to--;
    }
    return to;
  }

  /** The decimal number in [from, to), or -1 when it is not one (empty, another byte, more than 18 digits). */
  private static long digits(ByteBuf in, int from, int to) {
    if (from == to || to - from > 18) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      int d = digit(in.getByte(i));
      if (d < 0) {
        return -1;
      }
      n = n * 10 + d;
    }
    return n;
  }

  private static int digit(byte b) {
    return b >= '0' && b <= '9' ? b - '0' : -1000;
  }

  /** A Connection value: 0 for keep-alive (or empty), 1 when it holds close, -1 when it names anything else. */
  private static int connectionTokens(ByteBuf in, int from, int to) {
    int result = 0;
    int p = from;
    while (p <= to) {
      int comma = p;
      while (comma < to && in.getByte(comma) != ',') {
        comma++;
      }
      int a = skipSpaces(in, p, comma);
      int b = trimSpaces(in, a, comma);
      if (named(in, a, b - a, CLOSE)) {
        result = 1;
      } else if (b > a && !named(in, a, b - a, KEEP_ALIVE)) {
        return -1;
      }
      p = comma + 1;
    }
    return result;
  }

  private static final AsciiString CLOSE = AsciiString.cached("close");
  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
}
