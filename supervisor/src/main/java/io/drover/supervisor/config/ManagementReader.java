package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import java.util.Optional;

/** Reads and validates {@code drover.management} into a {@link ManagementSpec}. */
final class ManagementReader {
  static final String TOKEN = "a token of at least 16 characters without spaces, or \"\" for none";
  static final String NO_CONTROL = "a token without control characters (HTTP headers cannot carry them)";
  static final String BEYOND_LOOPBACK =
      "a token (drover.management.token or DROVER_TOKEN) when the API listens beyond loopback";

  private ManagementReader() {}

  /** The management settings, or null when absent or a problem was found. */
  static ManagementSpec read(Reader m) {
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
    if (anyNull(enabled, iface, port, token)) {
      return null;
    }
    ManagementSpec spec =
        new ManagementSpec(enabled, iface, port.intValue(), token.isEmpty() ? Optional.empty() : Optional.of(token));
    if (spec.enabled() && spec.token().isEmpty() && !spec.loopbackOnly()) {
      m.problem("interface", Reader.quoteText(iface) + " without a token", BEYOND_LOOPBACK);
      return null;
    }
    return spec;
  }
}
