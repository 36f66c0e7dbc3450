package io.drover.node.cli;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every verb shares: where the node is, its token, whom to trust for https, how long to wait, raw JSON. */
public final class ApiOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:9090";

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "the node's management API (default: $DROVER_URL, else " + DEFAULT_URL + ")")
  String url;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "bearer token of the management API (default: $DROVER_TOKEN; the variable keeps it out of ps)")
  String token;

  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      description = "PEM file of the certificates to trust for an https URL instead of the system's CAs:"
          + " the node's own self-signed certificate, or the CA that signed it (default: $DROVER_CACERT)")
  Path cacert;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "how long to wait for the node's answer, e.g. 30s, 5m (default: 30s; 2m for scale, stop, start; 10m for restart, apply)")
  Duration timeout;

  @Option(names = "--json", description = "print the API's raw JSON (for scripts)")
  boolean json;

  /** The base URL, checked: http(s)://host[:port][/path], without a trailing slash. */
  URI baseUrl(CommandLine cmd) {
    String raw = url != null ? url : System.getenv("DROVER_URL");
    if (raw == null || raw.isBlank()) {
      raw = DEFAULT_URL;
    }
    raw = raw.trim();
    URI uri;
    try {
      uri = URI.create(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, "--url: not a URL: " + raw);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
        || uri.getQuery() != null || uri.getFragment() != null) {
      throw new CommandLine.ParameterException(
          cmd, "--url: expected http://HOST:PORT or https://HOST:PORT (found \"" + raw + "\")");
    }
    return uri;
  }

  /** The token, or null for none; refused when it could not be sent in a header. */
  String token(CommandLine cmd) {
    String t = token != null ? token : System.getenv("DROVER_TOKEN");
    if (t == null || t.isEmpty()) {
      return null;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c <= ' ' || c >= 127) {
        throw new CommandLine.ParameterException(cmd, "--token: only printable ASCII without spaces");
      }
    }
    return t;
  }

  /**
   * The TLS context for an https:// {@code base}: trusting only --cacert's (else
   * $DROVER_CACERT's) certificates, or null for the JDK's default trust. --cacert with an http://
   * URL is a usage error; $DROVER_CACERT is then ignored.
   */
  SSLContext trust(CommandLine cmd, URI base) {
    boolean https = "https".equalsIgnoreCase(base.getScheme());
    if (cacert != null && !https) {
      throw new CommandLine.ParameterException(cmd, "--cacert: the URL " + base + " is not https://");
    }
    String env = System.getenv("DROVER_CACERT");
    Path file = cacert != null ? cacert : env == null || env.isBlank() ? null : Path.of(env.trim());
    if (file == null || !https) {
      return null;
    }
    String option = cacert != null ? "--cacert" : "DROVER_CACERT";
    try {
      return CaCerts.trusting(file);
    } catch (CaCerts.Unusable e) {
      throw new CommandLine.ParameterException(cmd, option + ": " + e.getMessage());
    }
  }

  Duration timeout(Duration verbDefault) {
    return timeout != null ? timeout : verbDefault;
  }

  /** "30s", "5m", "1h", "500ms", or plain seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern P = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = P.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException("expected a duration such as 30s, 5m or 500ms");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      Duration d =
          switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
          };
      if (d.isZero()) {
        throw new CommandLine.TypeConversionException("must be more than 0");
      }
      return d;
    }
  }
}
