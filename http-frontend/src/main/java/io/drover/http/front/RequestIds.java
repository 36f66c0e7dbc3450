package io.drover.http.front;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids ({@code X-Request-Id}): the client's when it sent a sane one (1 to {@value #MAX_LENGTH}
 * visible ASCII characters, one header), else a new one: this node's random prefix, drawn once at
 * start, then a counter in hex ({@code 5f2c9a41e07b-1a3}). Unique per node run, and across nodes
 * and restarts with overwhelming odds (48 random bits), for one atomic add per request.
 */
final class RequestIds {
  static final AsciiString HEADER = AsciiString.cached("x-request-id");
  static final int MAX_LENGTH = 128;

  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  RequestIds() {
    this(new SecureRandom().nextLong() & 0xFFFF_FFFF_FFFFL);
  }

  RequestIds(long prefix) {
    this.prefix = String.format("%012x-", prefix);
  }

  /** The request's id: the one it carries when sane, or a new one. */
  String of(HttpHeaders headers) {
    String given = headers.get(HEADER);
    if (given != null && sane(given) && !hasSecond(headers)) {
      return given;
    }
    return next();
  }

  String next() {
    return prefix + Long.toHexString(counter.incrementAndGet());
  }

  private static boolean hasSecond(HttpHeaders headers) {
    java.util.Iterator<? extends CharSequence> all = headers.valueCharSequenceIterator(HEADER);
    all.next();
    return all.hasNext();
  }

  /** 1 to MAX_LENGTH characters, each visible ASCII (no space, control or non-ASCII character). */
  static boolean sane(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }
}
