package io.drover.supervisor.config;

import java.time.Duration;
import java.util.List;

/**
 * Membership of a Pekko cluster of Drover nodes.
 *
 * @param enabled whether the node joins a cluster (off: it runs alone)
 * @param host the address other nodes reach this node's cluster port on
 * @param port the cluster port; 0 picks a free one
 * @param seedNodes "host:port" of the nodes to join through; empty: this node starts a cluster
 * @param roles this node's roles
 * @param stableAfter how long membership must be stable before the split brain resolver downs
 *     unreachable nodes (a crashed node leaves after about this plus failure detection)
 * @param crashProbeInterval how often other members' cluster ports are probed to tell a crash
 *     (refused) from a pause; zero: never
 * @param bootstrap how nodes find each other without seed nodes
 * @param maxMessage the largest request or answer carried between nodes as one message, in
 *     bytes: every app's max-body fits it with room for the request's head ({@link #requestRoom})
 */
public record ClusterSpec(
    boolean enabled, String host, int port, List<String> seedNodes, List<String> roles, Duration stableAfter,
    Duration crashProbeInterval, Bootstrap bootstrap, long maxMessage) {
  /**
   * The bytes of a request message besides its body: the request line and header block (as long
   * as {@code http} lets them be, each header with its framing) and the envelope.
   */
  public static long requestRoom(HttpSpec http) {
    return http.maxInitialLine() + 2L * http.maxHeaderSize() + 8192;
  }

  public ClusterSpec {
    seedNodes = List.copyOf(seedNodes);
    roles = List.copyOf(roles);
  }

  /** How nodes find each other: Kubernetes API or a fixed list. */
  public enum Discovery {
    KUBERNETES_API,
    CONFIG
  }

  /**
   * Pekko Management cluster bootstrap.
   *
   * @param enabled find the other nodes instead of joining seed nodes
   * @param discovery where the other nodes are looked up
   * @param serviceName the service the nodes belong to (pods labelled app=serviceName)
   * @param requiredContactPoints nodes that must be found before they form a new cluster
   * @param managementPort Pekko Management's HTTP port on every node
   * @param contactPoints for {@code discovery = config}: the nodes' management "host:port"s
   */
  public record Bootstrap(
      boolean enabled, Discovery discovery, String serviceName, int requiredContactPoints, int managementPort,
      List<String> contactPoints) {
    public Bootstrap {
      contactPoints = List.copyOf(contactPoints);
    }
  }
}
