package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads and validates {@code drover.management} into a {@link ManagementSpec}. Beyond loopback the
 * API needs a token, and the token needs TLS ({@code management.tls}) or an explicit
 * {@code allow-plaintext}: it would otherwise cross the network in clear text.
 */
final class ManagementReader {
  static final String TOKEN = "a token of at least 16 characters without spaces, or \"\" for none";
  static final String NO_CONTROL = "a token without control characters (HTTP headers cannot carry them)";
  static final String BEYOND_LOOPBACK =
      "a token (drover.management.token or DROVER_TOKEN) when the API listens beyond loopback";
  static final String PLAINTEXT =
      "TLS when the API listens beyond loopback (the bearer token would cross the network in clear text;"
          + " enable management.tls or set management.allow-plaintext = on)";

  private ManagementReader() {}

  /** The management settings, or null when absent or a problem was found. */
  static ManagementSpec read(Reader m, Path baseDir) {
    if (m == null) {
      return null;
    }
    Boolean enabled = m.bool("enabled");
    String iface = HttpReader.iface(m);
    Long port = m.integer("port", 0, HttpReader.MAX_PORT, Reader.integerRange(0, HttpReader.MAX_PORT));
    String token = m.string("token", TOKEN);
    if (token != null && !token.isEmpty() && (token.length() < 16 || token.chars().anyMatch(Character::isWhitespace))) {
      m.problem("token", "a token of " + token.length() + " characters", TOKEN);
      token = null;
    } else if (token != null && token.chars().anyMatch(Character::isISOControl)) {
      m.problem("token", "a token with a control character", NO_CONTROL);
      token = null;
    }
    Boolean plaintext = m.bool("allow-plaintext");
    Optional<ManagementSpec.Tls> tls = tls(m.group("tls"), baseDir, Boolean.TRUE.equals(enabled));
    if (anyNull(enabled, iface, port, token, plaintext, tls)) {
      return null;
    }
    ManagementSpec spec = new ManagementSpec(enabled, iface, port.intValue(),
        token.isEmpty() ? Optional.empty() : Optional.of(token), tls, plaintext);
    boolean ok = true;
    if (spec.enabled() && spec.token().isEmpty() && !spec.loopbackOnly()) {
      m.problem("interface", Reader.quoteText(iface) + " without a token", BEYOND_LOOPBACK);
      ok = false;
    }
    if (spec.enabled() && tls.isEmpty() && !plaintext && !spec.loopbackOnly()) {
      m.problem("interface", Reader.quoteText(iface) + " without TLS", PLAINTEXT);
      ok = false;
    }
    return ok ? spec : null;
  }

  /**
   * {@code management.tls}: empty when off, null on a problem. The pair is read and checked
   * ({@link PemFiles}) only when the API is served over it.
   */
  private static Optional<ManagementSpec.Tls> tls(Reader tls, Path baseDir, boolean served) {
    if (tls == null) {
      return null;
    }
    Boolean on = tls.bool("enabled");
    Duration reload = tls.duration("reload-interval", true);
    TlsSpec.Pair pair = TlsReader.pair(tls, baseDir, served && Boolean.TRUE.equals(on));
    if (anyNull(on, reload, pair)) {
      return null;
    }
    return on ? Optional.of(new ManagementSpec.Tls(pair, reload)) : Optional.empty();
  }
}
