package io.drover.supervisor.config;

/**
 * Which HTTP requests an app serves. An app with neither host nor prefix is not routed.
 *
 * @param host the Host header to match, or empty for any host
 * @param prefix the path prefix to match (starts with '/'), or empty when not routed
 * @param stripPrefix whether the prefix is removed from the path before forwarding
 */
public record RouteSpec(String host, String prefix, boolean stripPrefix) {
  public static final RouteSpec NONE = new RouteSpec("", "", false);

  public boolean routed() {
    return !prefix.isEmpty() || !host.isEmpty();
  }
}
