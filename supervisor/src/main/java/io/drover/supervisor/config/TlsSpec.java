package io.drover.supervisor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * TLS termination at the front ({@code drover.http.tls}).
 *
 * @param enabled whether the TLS listener runs
 * @param port its port; 0 picks a free one
 * @param pair the default certificate chain and key (clients without SNI, or naming no host of
 *     {@code hosts})
 * @param hosts certificates chosen by SNI, by host name ({@code *.example.com} matches one label)
 * @param reloadInterval how often the files are checked for change; zero: never
 * @param eventLoops event-loop threads of the TLS listener's connections; 0: as many as the cores
 */
public record TlsSpec(boolean enabled, int port, Pair pair, Map<String, Pair> hosts, Duration reloadInterval, int eventLoops) {
  /** A certificate chain file and its key file (absolute paths). */
  public record Pair(Path cert, Path key) {}

  public TlsSpec {
    hosts = Map.copyOf(hosts);
  }
}
