package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import java.time.Duration;

/** Reads an app's {@code route}: what it serves, and how the front shares its workers. */
final class RouteReader {
  private RouteReader() {}

  static final int MAX_RETRIES = 10;
  static final int MAX_CONCURRENCY = 100_000;
  static final int MAX_QUEUE_LENGTH = 1_000_000;
  static final int MAX_FAILURES = 1000;
  static final String STICKY_ONE = "exactly one of cookie, header or query naming the key, for balancer = sticky";

  /**
   * The route, or null when a problem was found.
   *
   * @param actor for kind = actor, its limits: max-in-flight is the front's limit per worker
   *     (unless route.max-concurrency says less), and unless route.queue.max-length is written,
   *     the queue holds max-queue requests per worker; null for a process app
   * @param instances the app's instance count (null when invalid)
   */
  static RouteSpec read(Reader route, ActorSpec actor, Integer instances) {
    if (route == null) {
      return null;
    }
    String host = route.string("host", "a host name, or \"\" for any host");
    if (host != null && (host.contains("/") || host.contains(":") || AppReader.containsSpace(host))) {
      route.problem("host", Reader.quoteText(host), "a host name without \"/\", \":\" or spaces (no port)");
      host = null;
    }
    String prefix = route.string("prefix", "\"\" or a path starting with \"/\"");
    if (prefix != null && !prefix.isEmpty() && (!prefix.startsWith("/") || AppReader.containsSpace(prefix))) {
      route.problem("prefix", Reader.quoteText(prefix), "\"\" or a path starting with \"/\"");
      prefix = null;
    }
    Boolean strip = route.bool("strip-prefix");
    BalancerKind balancer = route.choice("balancer", BalancerKind.class);
    Long retries = route.integer("retries", 0, MAX_RETRIES, Reader.integerRange(0, MAX_RETRIES));
    Duration requestTimeout = route.duration("request-timeout", false);
    Boolean preferOwnNode = route.bool("prefer-own-node");
    CapacitySpec capacity = capacity(route, actor, instances);
    StickySpec sticky = sticky(route.group("sticky"), balancer);
    OutlierSpec outlier = outlier(route.group("outlier"));
    RetryBudgetSpec budget = retryBudget(route.group("retry-budget"));
    AccessLogSpec.Choice accessLog = accessLog(route);
    RouteProtocol protocol = route.choice("protocol", RouteProtocol.class);
    if (protocol == RouteProtocol.H2C && actor != null) {
      route.problem("protocol", Reader.describe(route.raw("protocol")), "http1 for kind = actor (an actor worker takes whole messages, not HTTP/2 streams)");
      protocol = null;
    }
    if (anyNull(host, prefix, strip, balancer, retries, requestTimeout, preferOwnNode)
        || anyNull(capacity, sticky, outlier, budget, accessLog, protocol)) {
      return null;
    }
    return new RouteSpec(host, prefix, strip, balancer, retries.intValue(), requestTimeout, preferOwnNode,
        capacity, sticky, outlier, budget, accessLog, protocol);
  }

  /** {@code route.access-log}: inherit, or on or off (any of HOCON's booleans). */
  private static AccessLogSpec.Choice accessLog(Reader route) {
    com.typesafe.config.ConfigValue value = route.raw("access-log");
    Object given = value == null ? null : value.unwrapped();
    String text = given instanceof Boolean b ? (b ? "on" : "off")
        : given instanceof String str ? str.trim().toLowerCase(java.util.Locale.ROOT) : "";
    switch (text) {
      case "inherit":
        return AccessLogSpec.Choice.INHERIT;
      case "on", "true", "yes":
        return AccessLogSpec.Choice.ON;
      case "off", "false", "no":
        return AccessLogSpec.Choice.OFF;
      default:
        route.problem("access-log", Reader.describe(value), "one of inherit, on, off");
        return null;
    }
  }

  private static CapacitySpec capacity(Reader route, ActorSpec actor, Integer instances) {
    Long max = route.integer("max-concurrency", 0, MAX_CONCURRENCY, Reader.integerRange(0, MAX_CONCURRENCY));
    Duration slowStart = route.duration("slow-start", true);
    Reader queue = route.group("queue");
    Long length = queue == null ? null
        : queue.integer("max-length", 0, MAX_QUEUE_LENGTH, Reader.integerRange(0, MAX_QUEUE_LENGTH));
    Duration timeout = queue == null ? null : queue.duration("timeout", false);
    if (anyNull(max, slowStart, length, timeout)) {
      return null;
    }
    int limit = max.intValue();
    int queueLength = length.intValue();
    if (actor != null) {
      // an actor worker takes max-in-flight at once: the front keeps the rest in its one queue
      if (limit > actor.maxInFlight()) {
        route.problem("max-concurrency", String.valueOf(limit),
            "at most the app's max-in-flight (" + actor.maxInFlight() + ") for kind = actor, or 0 to use max-in-flight");
        return null;
      }
      limit = limit == 0 ? actor.maxInFlight() : limit;
      if (!queue.userSet("max-length") && instances != null) {
        queueLength = (int) Math.min(MAX_QUEUE_LENGTH, (long) actor.maxQueue() * instances);
      }
    }
    return new CapacitySpec(limit, queueLength, timeout, slowStart);
  }

  private static StickySpec sticky(Reader sticky, BalancerKind balancer) {
    if (sticky == null) {
      return null;
    }
    String cookie = sticky.string("cookie", "a cookie name, or \"\"");
    String header = sticky.string("header", "a header name, or \"\"");
    String query = sticky.string("query", "a query parameter name, or \"\"");
    if (anyNull(cookie, header, query)) {
      return null;
    }
    int set = (cookie.isEmpty() ? 0 : 1) + (header.isEmpty() ? 0 : 1) + (query.isEmpty() ? 0 : 1);
    if (balancer != BalancerKind.STICKY) {
      if (set > 0) {
        String key = !cookie.isEmpty() ? "cookie" : !header.isEmpty() ? "header" : "query";
        sticky.problem(key, Reader.describe(sticky.raw(key)), "\"\" unless route.balancer = sticky");
        return null;
      }
      return StickySpec.NONE;
    }
    if (set != 1) {
      String key = cookie.isEmpty() ? "cookie" : "header";
      sticky.problem(key, set == 0 ? "no key" : "more than one key", STICKY_ONE);
      return null;
    }
    if (!cookie.isEmpty()) {
      return new StickySpec(StickySpec.Source.COOKIE, cookie);
    }
    return header.isEmpty() ? new StickySpec(StickySpec.Source.QUERY, query) : new StickySpec(StickySpec.Source.HEADER, header);
  }

  private static OutlierSpec outlier(Reader outlier) {
    if (outlier == null) {
      return null;
    }
    Long failures = outlier.integer("consecutive-failures", 0, MAX_FAILURES, Reader.integerRange(0, MAX_FAILURES));
    Duration base = outlier.duration("base-ejection-time", false);
    Long percent = outlier.integer("max-ejection-percent", 0, 50, Reader.integerRange(0, 50));
    if (base != null && base.compareTo(OutlierSpec.MAX_TIME) > 0) {
      outlier.problem("base-ejection-time", Reader.describe(outlier.raw("base-ejection-time")), "a duration of at most 5m");
      base = null;
    }
    return anyNull(failures, base, percent) ? null : new OutlierSpec(failures.intValue(), base, percent.intValue());
  }

  private static RetryBudgetSpec retryBudget(Reader budget) {
    if (budget == null) {
      return null;
    }
    Long percent = budget.integer("percent", 0, 100, Reader.integerRange(0, 100));
    Long perSecond = budget.integer("min-per-second", 0, 100_000, Reader.integerRange(0, 100_000));
    return anyNull(percent, perSecond) ? null : new RetryBudgetSpec(percent.intValue(), perSecond.intValue());
  }
}
