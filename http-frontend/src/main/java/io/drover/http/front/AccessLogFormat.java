package io.drover.http.front;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.drover.supervisor.config.AccessLogSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes {@link AccessLine}s as bytes, one line each, on the access log's thread only.
 *
 * <p>text: the combined log format of nginx and Apache (so that log tools read its first fields),
 * then Drover's as key=value:
 * <pre>
 * 127.0.0.1 - - [05/Dec/2026:06:27:00 +0000] "GET /a?b=1 HTTP/1.1" 200 12 "-" "curl/8.5.0" app=web worker=web-0@41234 rt=0.000412 urt=0.000301 retries=0 id=5f2c9a41e07b-1a3
 * </pre>
 * with {@code upgrade=websocket} last for a tunnel; rt and urt in seconds; "-" for what is not
 * known. Quoted fields escape {@code "}, {@code \} and bytes outside printable ASCII as
 * {@code \xHH}, as nginx does. json: one object per line with the same fields
 * ({@code duration_ms}, {@code upstream_ms} in milliseconds; absent values are null).
 */
final class AccessLogFormat {
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final JsonFactory JSON = new JsonFactory();

  private final AccessLogSpec.Format format;
  private final StringBuilder text = new StringBuilder(256);
  private byte[] scratch = new byte[512];
  /** The second whose text time is cached, and that text. */
  private long cachedSecond = Long.MIN_VALUE;
  private String cachedTime;

  AccessLogFormat(AccessLogSpec.Format format) {
    this.format = format;
  }

  /** Appends the line of {@code l} (with its newline) to {@code out}. */
  void write(AccessLine l, ByteArrayOutputStream out) {
    if (format == AccessLogSpec.Format.JSON) {
      json(l, out);
    } else {
      text(l, out);
    }
  }

  /** Appends a line saying that {@code count} lines were dropped because the writer was behind. */
  void dropped(long count, long timeMillis, ByteArrayOutputStream out) {
    String why = count + " access log lines dropped: the writer was behind";
    if (format == AccessLogSpec.Format.JSON) {
      try (JsonGenerator g = JSON.createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("time", Instant.ofEpochMilli(timeMillis).toString());
        g.writeNumberField("dropped", count);
        g.writeStringField("message", why);
        g.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.write('\n');
    } else {
      ascii("[drover] [" + clfTime(timeMillis) + "] " + why + "\n", out);
    }
  }

  private void text(AccessLine l, ByteArrayOutputStream out) {
    StringBuilder b = text;
    b.setLength(0);
    plain(b, l.client()).append(" - - [").append(clfTime(l.timeMillis())).append("] \"");
    quoted(b, l.method()).append(' ');
    quoted(b, l.uri()).append(' ');
    quoted(b, l.protocol()).append("\" ").append(l.status()).append(' ').append(l.bytes()).append(" \"");
    quoted(b, l.referer() == null ? "-" : l.referer()).append("\" \"");
    quoted(b, l.userAgent() == null ? "-" : l.userAgent()).append("\" app=");
    plain(b, l.app()).append(" worker=");
    plain(b, l.worker() == null ? null : l.worker().toString()).append(" rt=");
    seconds(b, l.durationNanos()).append(" urt=");
    seconds(b, l.upstreamNanos()).append(" retries=").append(l.retries()).append(" id=");
    plain(b, l.requestId());
    if (l.upgrade() != null) {
      plain(b.append(" upgrade="), l.upgrade());
    }
    b.append('\n');
    ascii(b, out);
  }

  private void json(AccessLine l, ByteArrayOutputStream out) {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(l.timeMillis()).toString());
      g.writeStringField("app", l.app());
      g.writeStringField("worker", l.worker() == null ? null : l.worker().toString());
      g.writeStringField("method", l.method());
      g.writeStringField("path", l.uri());
      g.writeStringField("protocol", l.protocol());
      g.writeNumberField("status", l.status());
      g.writeNumberField("bytes", l.bytes());
      g.writeNumberField("duration_ms", millis(l.durationNanos()));
      if (l.upstreamNanos() < 0) {
        g.writeNullField("upstream_ms");
      } else {
        g.writeNumberField("upstream_ms", millis(l.upstreamNanos()));
      }
      g.writeNumberField("retries", l.retries());
      g.writeStringField("client", l.client().toString());
      g.writeStringField("request_id", l.requestId());
      g.writeStringField("referer", l.referer());
      g.writeStringField("user_agent", l.userAgent());
      if (l.upgrade() != null) {
        g.writeStringField("upgrade", l.upgrade());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    out.write('\n');
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1_000.0) / 1_000.0;
  }

  private String clfTime(long millis) {
    long second = Math.floorDiv(millis, 1000);
    if (second != cachedSecond) {
      cachedSecond = second;
      cachedTime = CLF.format(Instant.ofEpochSecond(second));
    }
    return cachedTime;
  }

  /** Seconds with microseconds, or "-" for a negative (unknown) time. */
  private static StringBuilder seconds(StringBuilder b, long nanos) {
    if (nanos < 0) {
      return b.append('-');
    }
    long micros = nanos / 1_000;
    b.append(micros / 1_000_000).append('.');
    String frac = Long.toString(micros % 1_000_000);
    for (int i = frac.length(); i < 6; i++) {
      b.append('0');
    }
    return b.append(frac);
  }

  /** An unquoted field: "-" when absent or empty, spaces and unprintable bytes escaped. */
  private static StringBuilder plain(StringBuilder b, CharSequence s) {
    if (s == null || s.length() == 0) {
      return b.append('-');
    }
    return escaped(b, s, true);
  }

  private static StringBuilder quoted(StringBuilder b, CharSequence s) {
    return escaped(b, s, false);
  }

  private static StringBuilder escaped(StringBuilder b, CharSequence s, boolean spaceToo) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\' || (spaceToo && c == ' ')) {
        b.append("\\x").append(Character.forDigit((c >> 4) & 0xF, 16)).append(Character.forDigit(c & 0xF, 16));
      } else {
        b.append(c);
      }
    }
    return b;
  }

  /** Writes text that is ASCII by construction (everything else was escaped). */
  private void ascii(CharSequence s, ByteArrayOutputStream out) {
    int n = s.length();
    if (scratch.length < n) {
      scratch = new byte[Math.max(n, scratch.length * 2)];
    }
    for (int i = 0; i < n; i++) {
      scratch[i] = (byte) s.charAt(i);
    }
    out.write(scratch, 0, n);
  }
}
