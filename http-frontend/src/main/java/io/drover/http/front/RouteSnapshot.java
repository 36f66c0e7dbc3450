package io.drover.http.front;

import io.drover.supervisor.config.RouteProtocol;
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

  /**
   * The snapshot of the front actor's endpoints: those in rotation, ordered by instance. A
   * cluster-placed app is served by its workers on every node (unless it prefers its own node's);
   * an app every node runs, and an h2c app (its calls to another node travel whole, as messages,
   * which a bidi or endless stream cannot), by this node's workers, and by other nodes' only while
   * none of its own is in rotation.
   */
  static RouteSnapshot of(java.util.Collection<io.drover.supervisor.config.AppSpec> apps,
      java.util.Map<String, ? extends java.util.Map<?, Endpoint>> endpoints,
      java.util.Map<String, AppTraffic> traffic) {
    List<Route> routes = new ArrayList<>();
    for (io.drover.supervisor.config.AppSpec app : apps) {
      boolean ownReady = endpoints.get(app.name()).values().stream().anyMatch(e -> !e.draining && !e.remote);
      boolean remoteToo = !ownReady
          || (app.clusterPlaced() && !app.route().preferOwnNode() && app.route().protocol() != RouteProtocol.H2C);
      Endpoint[] eps =
          endpoints.get(app.name()).values().stream()
              .filter(e -> !e.draining && (remoteToo || !e.remote))
              .sorted(Comparator.comparingInt((Endpoint e) -> e.instance).thenComparingInt(e -> e.port))
              .toArray(Endpoint[]::new);
      routes.add(new Route(app.name(), app.route(), traffic.get(app.name()), eps, app.maxBody()));
    }
    return new RouteSnapshot(routes);
  }

  /** One app's route and its endpoints; {@code maxBody} limits bodies sent to actor workers. */
  record Route(String app, RouteSpec spec, AppTraffic traffic, Endpoint[] endpoints, long maxBody) {
    Balancer balancer() {
      return traffic.balancer();
    }

    AppMeters meters() {
      return traffic.meters;
    }

    AppQueue queue() {
      return traffic.queue;
    }

    /** Whether the workers speak h2c (route.protocol): requests go to them as HTTP/2 streams. */
    boolean h2c() {
      return spec.protocol() == io.drover.supervisor.config.RouteProtocol.H2C;
    }

    /** {@code uri} is the request target: a path, maybe with a query. */
    boolean matches(String host, String uri) {
      if (!spec.host().isEmpty() && !spec.host().equalsIgnoreCase(host)) {
        return false;
      }
      String prefix = spec.prefix();
      if (prefix.isEmpty() || prefix.equals("/")) {
        return true;
      }
      if (!uri.startsWith(prefix)) {
        return false;
      }
      // "/api" matches "/api", "/api/..." and "/api?..." but not "/apiary"
      if (uri.length() == prefix.length() || prefix.endsWith("/")) {
        return true;
      }
      char next = uri.charAt(prefix.length());
      return next == '/' || next == '?';
    }

    /** Whether any endpoint takes requests whole, as messages (an actor worker, or one on another node). */
    boolean takesMessages() {
      for (Endpoint e : endpoints) {
        if (e.actor || e.remote) {
          return true;
        }
      }
      return false;
    }

    /** Whether a worker on another node could take a request now. */
    boolean hasAvailableRemote() {
      for (Endpoint e : endpoints) {
        if (e.remote && e.available()) {
          return true;
        }
      }
      return false;
    }

    /** {@code tried} and every worker on another node: what a request only this node can serve skips. */
    List<Endpoint> withRemotes(List<Endpoint> tried) {
      List<Endpoint> skip = new ArrayList<>(tried);
      for (Endpoint e : endpoints) {
        if (e.remote) {
          skip.add(e);
        }
      }
      return skip;
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
  private final boolean hostRoutes;

  /** Routes are tried host-specific first, then by longest prefix. */
  RouteSnapshot(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(
        Comparator.comparing((Route r) -> r.spec().host().isEmpty())
            .thenComparing(r -> -r.spec().prefix().length()));
    this.routes = sorted.toArray(new Route[0]);
    this.hostRoutes = sorted.stream().anyMatch(r -> !r.spec().host().isEmpty());
  }

  /**
   * The route for a request, or null. {@code host} may carry a port (ignored); {@code uri} is
   * the request target (origin form; an absolute form is reduced to its path).
   */
  Route match(String host, String uri) {
    String bareHost = hostRoutes ? bareHost(host) : "";
    String target = uri.startsWith("/") ? uri : originForm(uri);
    for (Route r : routes) {
      if (r.matches(bareHost, target)) {
        return r;
      }
    }
    return null;
  }

  /** "http://host/x?y" becomes "/x?y"; anything else not starting with '/' becomes "/". */
  private static String originForm(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return "/";
    }
    int slash = uri.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : uri.substring(slash);
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
