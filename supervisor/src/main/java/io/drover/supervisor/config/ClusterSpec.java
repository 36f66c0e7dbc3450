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
 */
public record ClusterSpec(
    boolean enabled, String host, int port, List<String> seedNodes, List<String> roles, Duration stableAfter) {
  public ClusterSpec {
    seedNodes = List.copyOf(seedNodes);
    roles = List.copyOf(roles);
  }
}
