package io.drover.http.front;

import io.drover.supervisor.config.RouteSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The route table and each app's ready endpoints at one moment; immutable. The Front actor
 * publishes a new one on every change, and the data plane reads the current one per request.
 */
final class RouteSnapshot {
  static final RouteSnapshot EMPTY = new RouteSnapshot(List.of());

  /** One app's route and its endpoints. */
  record Route(String app, RouteSpec spec, Balancer balancer, Endpoint[] endpoints) {
    boolean matches(String host, String path) {
      if (!spec.host().isEmpty() && !spec.host().equalsIgnoreCase(host)) {
        return false;
      }
      String prefix = spec.prefix();
      if (prefix.isEmpty() || prefix.equals("/")) {
        return true;
      }
      if (!path.startsWith(prefix)) {
        return false;
      }
      // "/api" matches "/api" and "/api/..." but not "/apiary"
      return path.length() == prefix.length()
          || prefix.endsWith("/")
          || path.charAt(prefix.length()) == '/';
    }

    /** The URI to send to the worker: the prefix removed when the route says so. */
    String forwardUri(String uri) {
      if (!spec.stripPrefix() || spec.prefix().isEmpty() || spec.prefix().equals("/")) {
        return uri;
      }
      String rest = uri.substring(Math.min(uri.length(), spec.prefix().length()));
      return rest.startsWith("/") ? rest : "/" + rest;
    }
  }

  private final Route[] routes;

  /** Routes are tried host-specific first, then by longest prefix. */
  RouteSnapshot(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(
        Comparator.comparing((Route r) -> r.spec().host().isEmpty())
            .thenComparing(r -> -r.spec().prefix().length()));
    this.routes = sorted.toArray(new Route[0]);
  }

  /** The route for a request, or null. {@code host} may carry a port; it is ignored. */
  Route match(String host, String path) {
    String bareHost = bareHost(host);
    for (Route r : routes) {
      if (r.matches(bareHost, path)) {
        return r;
      }
    }
    return null;
  }

  List<Route> routes() {
    return List.of(routes);
  }

  static String bareHost(String host) {
    if (host == null) {
      return "";
    }
    int end = host.length();
    if (host.startsWith("[")) { // [::1]:8080
      int close = host.indexOf(']');
      return close > 0 ? host.substring(0, close + 1) : host;
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      end = colon;
    }
    return host.substring(0, end).toLowerCase(Locale.ROOT);
  }
}
