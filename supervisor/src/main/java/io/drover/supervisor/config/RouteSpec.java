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
 * @param capacity requests per worker at once, and the queue for the rest
 * @param sticky where a sticky balancer reads a request's key
 * @param outlier when a failing worker is taken out of rotation for a while
 * @param retryBudget how many retries the app's requests may cause
 * @param accessLog whether the app's requests are written to the front's access log
 * @param protocol how the front talks to the workers: HTTP/1.1, or h2c (gRPC servers)
 */
public record RouteSpec(
    String host,
    String prefix,
    boolean stripPrefix,
    BalancerKind balancer,
    int retries,
    Duration requestTimeout,
    boolean preferOwnNode,
    CapacitySpec capacity,
    StickySpec sticky,
    OutlierSpec outlier,
    RetryBudgetSpec retryBudget,
    AccessLogSpec.Choice accessLog,
    RouteProtocol protocol) {

  /** A route whose workers speak HTTP/1.1. */
  public RouteSpec(String host, String prefix, boolean stripPrefix, BalancerKind balancer, int retries,
      Duration requestTimeout, boolean preferOwnNode, CapacitySpec capacity, StickySpec sticky, OutlierSpec outlier,
      RetryBudgetSpec retryBudget, AccessLogSpec.Choice accessLog) {
    this(host, prefix, stripPrefix, balancer, retries, requestTimeout, preferOwnNode, capacity, sticky, outlier, retryBudget,
        accessLog, RouteProtocol.HTTP1);
  }

  /** A route with the defaults of everything about capacity, stickiness, ejection and retry budget. */
  public RouteSpec(String host, String prefix, boolean stripPrefix, BalancerKind balancer, int retries,
      Duration requestTimeout, boolean preferOwnNode) {
    this(host, prefix, stripPrefix, balancer, retries, requestTimeout, preferOwnNode,
        CapacitySpec.UNLIMITED, StickySpec.NONE, OutlierSpec.DEFAULT, RetryBudgetSpec.DEFAULT, AccessLogSpec.Choice.INHERIT);
  }

  public boolean routed() {
    return !prefix.isEmpty() || !host.isEmpty();
  }

  public RouteSpec withPrefix(String p) {
    return new RouteSpec(host, p, stripPrefix, balancer, retries, requestTimeout, preferOwnNode, capacity, sticky, outlier, retryBudget,
        accessLog, protocol);
  }

  public RouteSpec withCapacity(CapacitySpec c) {
    return new RouteSpec(host, prefix, stripPrefix, balancer, retries, requestTimeout, preferOwnNode, c, sticky, outlier, retryBudget,
        accessLog, protocol);
  }
}
