package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code drover.http.tls} and {@code drover.http.http2}. Certificate files are
 * read and checked here ({@link PemFiles}), so a missing file, a key of another certificate or an
 * expired certificate is an error at its key before anything starts.
 */
final class TlsReader {
  static final String HOSTS = "hosts";
  static final String HOST_NAME =
      "a host name as in route.host (letters, digits, '-', '.'), or *.domain for one label, quoted";
  private static final Pattern HOST =
      Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
  /** In the order their problems are reported (a Set.of would vary it from run to run). */
  private static final List<String> PAIR_KEYS = List.of("cert", "key");
  static final int MAX_STREAMS = 10_000;
  static final int MAX_RESETS = 1_000_000;

  private TlsReader() {}

  /** {@code http.tls}, or null when a problem was found in it. */
  static TlsSpec tls(Reader http, Path baseDir, Long plainPort) {
    Reader tls = http.group("tls");
    if (tls == null) {
      return null;
    }
    Boolean enabled = tls.bool("enabled");
    Long port = tls.integer("port", 0, HttpReader.MAX_PORT, Reader.integerRange(0, HttpReader.MAX_PORT));
    Duration reload = tls.duration("reload-interval", true);
    Long loops = tls.integer("event-loops", 0, HttpReader.MAX_EVENT_LOOPS, Reader.integerRange(0, HttpReader.MAX_EVENT_LOOPS));
    if (port != null && plainPort != null && port != 0 && port.equals(plainPort)) {
      tls.problem("port", String.valueOf(port) + ", the port of drover.http.port", "a port of its own");
      port = null;
    }
    boolean check = Boolean.TRUE.equals(enabled);
    TlsSpec.Pair pair = pair(tls, baseDir, check);
    Map<String, TlsSpec.Pair> hosts = hosts(tls, baseDir, check);
    if (anyNull(enabled, port, reload, loops, pair, hosts)) {
      return null;
    }
    return new TlsSpec(enabled, port.intValue(), pair, hosts, reload, loops.intValue());
  }

  /** {@code http.http2}, or null when a problem was found in it. */
  static Http2Spec http2(Reader http) {
    Reader h2 = http.group("http2");
    if (h2 == null) {
      return null;
    }
    Boolean enabled = h2.bool("enabled");
    Boolean h2c = h2.bool("h2c");
    Long streams = h2.integer("max-concurrent-streams", 1, MAX_STREAMS, Reader.integerRange(1, MAX_STREAMS));
    Long resets = h2.integer("max-resets", 1, MAX_RESETS, Reader.integerRange(1, MAX_RESETS));
    Duration window = h2.duration("reset-window", false);
    if (window != null && (window.toMillis() % 1000 != 0 || window.toSeconds() > Integer.MAX_VALUE)) {
      h2.problem("reset-window", Reader.describe(h2.raw("reset-window")), "whole seconds, such as 30s or 1m");
      window = null;
    }
    if (anyNull(enabled, h2c, streams, resets, window)) {
      return null;
    }
    return new Http2Spec(enabled, h2c, streams.intValue(), resets.intValue(), (int) window.toSeconds());
  }

  /** The pair under {@code r} (cert, key), read and checked when {@code check}; null on a problem. */
  static TlsSpec.Pair pair(Reader r, Path baseDir, boolean check) {
    Path cert = path(r, "cert", PemFiles.CERT_EXPECTED, baseDir, check);
    Path key = path(r, "key", PemFiles.KEY_EXPECTED, baseDir, check);
    if (anyNull(cert, key)) {
      return null;
    }
    if (check) {
      try {
        PemFiles.load(cert, key, Instant.now());
      } catch (PemFiles.Problem p) {
        r.problem(p.part().key(), p.found(), p.expected());
        return null;
      }
    }
    return new TlsSpec.Pair(cert, key);
  }

  /** A file path (absolute), "" allowed only when not {@code required}. */
  private static Path path(Reader r, String key, String expected, Path baseDir, boolean required) {
    String text = r.string(key, expected);
    if (text == null) {
      return null;
    }
    if (text.isEmpty()) {
      if (required) {
        r.problem(key, "\"\"", expected);
        return null;
      }
      return Path.of("");
    }
    try {
      return baseDir.resolve(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      r.problem(key, Reader.quoteText(text), expected);
      return null;
    }
  }

  private static Map<String, TlsSpec.Pair> hosts(Reader tls, Path baseDir, boolean check) {
    ConfigValue value = tls.raw(HOSTS);
    if (!(value instanceof ConfigObject object)) {
      tls.problem(HOSTS, Reader.describe(value), "an object of host names, each with cert and key");
      return null;
    }
    Map<String, TlsSpec.Pair> hosts = new LinkedHashMap<>();
    boolean ok = true;
    for (String host : new java.util.TreeSet<>(object.keySet())) {
      Reader entry = tls.group(HOSTS) == null ? null : tls.group(HOSTS).group(host);
      if (entry == null) {
        ok = false;
        continue;
      }
      if (!HOST.matcher(host).matches()) {
        tls.problemAt(Reader.append(Reader.append(tls.path(), HOSTS), host), Reader.quoteText(host), HOST_NAME);
        ok = false;
        continue;
      }
      boolean known = true;
      for (String k : new java.util.TreeSet<>(entry.object().keySet())) {
        if (!PAIR_KEYS.contains(k)) {
          entry.problem(k, "unknown key " + Reader.quoteText(k),
              "cert or key (quote a host name with dots: \"api.example.com\" { cert = ..., key = ... })");
          known = false;
        }
      }
      for (String k : PAIR_KEYS) {
        if (entry.raw(k) == null) {
          entry.problem(k, "nothing", k.equals("cert") ? PemFiles.CERT_EXPECTED : PemFiles.KEY_EXPECTED);
          known = false;
        }
      }
      TlsSpec.Pair pair = known ? pair(entry, baseDir, check) : null;
      if (pair == null) {
        ok = false;
      } else {
        hosts.put(host.toLowerCase(java.util.Locale.ROOT), pair);
      }
    }
    return ok ? hosts : null;
  }
}
