package io.drover.supervisor.config;

import java.time.Duration;

/**
 * Which HTTP requests an app serves, and how the front proxies them. An app with neither host nor
 * prefix is not routed.
 *
 * @param host the Host header to match (without port), or empty for any host
 * @param prefix the path prefix to match (starts with '/'), or empty when not routed
 * @param stripPrefix whether the prefix is removed from the path before forwarding
 * @param balancer how a worker is picked for each request
 * @param retries how many other workers a failed request may be retried on, when safe
 * @param requestTimeout how long a worker may take to start answering before the front answers 504
 * @param preferOwnNode for a cluster-placed app: a front uses its own node's ready workers while
 *     it has any, other nodes' only when it has none (an app every node runs always does)
 */
public record RouteSpec(
    String host,
    String prefix,
    boolean stripPrefix,
    BalancerKind balancer,
    int retries,
    Duration requestTimeout,
    boolean preferOwnNode) {

  public boolean routed() {
    return !prefix.isEmpty() || !host.isEmpty();
  }
}
