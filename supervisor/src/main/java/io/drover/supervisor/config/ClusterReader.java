package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads and validates {@code drover.cluster} into a {@link ClusterSpec}. */
final class ClusterReader {
  static final String SEED = "a list of \"host:port\" strings such as [\"127.0.0.1:2551\"]";
  static final String ROLES = "a list of role names (letters, digits, '-', '_')";
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.:\\[\\]-]+:[0-9]{1,5}");
  static final String HOST = "a host name or IP address the other nodes can reach";
  private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
  private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9_-]+");
  static final String SERVICE = "a service name (lower-case letters, digits, '-')";
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  static final long MIN_MESSAGE = 256 * 1024;
  static final long MAX_MESSAGE = 1024L * 1024 * 1024 + 1024 * 1024;
  static final String MESSAGE = "a size from 256K to 1025M, such as 2M";
  static final String ROLE_OR_ANY = "a role name (letters, digits, '-', '_'), or \"\" for any node";

  private ClusterReader() {}

  static ClusterSpec read(Reader c) {
    if (c == null) {
      return null;
    }
    Boolean enabled = c.bool("enabled");
    String host = c.string("host", HOST);
    if (host != null && !HOSTNAME.matcher(host).matches() && !Addresses.isListenAddress(host)) {
      c.problem("host", Reader.quoteText(host), HOST);
      host = null;
    }
    Long port = c.integer("port", 0, HttpReader.MAX_PORT, Reader.integerRange(0, HttpReader.MAX_PORT));
    List<String> seeds = strings(c, "seed-nodes", HOST_PORT, SEED);
    List<String> roles = strings(c, "roles", ROLE, ROLES);
    Duration stableAfter = c.duration("stable-after", false);
    Duration crashProbe = c.duration("crash-probe-interval", true);
    Long maxMessage = c.size("max-message", MIN_MESSAGE, MAX_MESSAGE, MESSAGE);
    Reader bootstrapGroup = c.group("bootstrap");
    ClusterSpec.Bootstrap bootstrap = bootstrap(bootstrapGroup);
    boolean bootstrapOn = bootstrapGroup != null && isTrue(bootstrapGroup.raw("enabled"));
    if (bootstrapOn && seeds != null && !seeds.isEmpty()) {
      c.problem("seed-nodes", Reader.describe(c.raw("seed-nodes")), "[] when bootstrap.enabled = on (the nodes find each other)");
      seeds = null;
    }
    if (anyNull(enabled, host, port, seeds, roles, stableAfter, crashProbe, bootstrap, maxMessage)) {
      return null;
    }
    return new ClusterSpec(enabled, host, port.intValue(), seeds, roles, stableAfter, crashProbe, bootstrap, maxMessage);
  }

  /**
   * On a cluster node every app's requests may travel to another node as one message: its
   * max-body and the request's head must fit {@code drover.cluster.max-message}, else the problem
   * is reported where the user set that max-body (the app, or app-defaults), or else at max-message.
   */
  static void messageLimits(
      Map<String, AppSpec> apps, ClusterSpec cluster, HttpSpec http, Origins origins, Collection<ConfigProblem> problems) {
    if (cluster == null || !cluster.enabled() || http == null) {
      return;
    }
    long room = ClusterSpec.requestRoom(http);
    for (AppSpec app : apps.values()) {
      if (app.maxBody() + room > cluster.maxMessage()) {
        // where the user wrote the max-body: the app, its defaults, or neither (then max-message)
        List<String> own = List.of(ConfigLoader.DROVER, ConfigLoader.APPS, app.name(), "max-body");
        List<String> defaults = List.of(ConfigLoader.DROVER, ConfigLoader.APP_DEFAULTS, "max-body");
        List<String> at = origins.userSet(own) ? own : origins.userSet(defaults) ? defaults
            : List.of(ConfigLoader.DROVER, "cluster", "max-message");
        boolean atMessage = at.get(1).equals("cluster");
        problems.add(origins.problem(at,
            atMessage
                ? cluster.maxMessage() + " bytes, too small for app " + app.name() + "'s max-body of " + app.maxBody()
                    + " bytes and " + room + " for the request line and headers"
                : app.maxBody() + " bytes for app " + app.name() + ", more than a request between cluster nodes carries"
                    + " (drover.cluster.max-message = " + cluster.maxMessage() + " bytes, less " + room + " for its line and headers)",
            atMessage ? "at least " + (app.maxBody() + room) + " bytes, or a smaller max-body"
                : "at most " + (cluster.maxMessage() - room) + " bytes, or a larger drover.cluster.max-message"));
      }
    }
  }

  private static ClusterSpec.Bootstrap bootstrap(Reader b) {
    if (b == null) {
      return null;
    }
    Boolean enabled = b.bool("enabled");
    ClusterSpec.Discovery discovery = b.choice("discovery", ClusterSpec.Discovery.class);
    String service = b.string("service-name", SERVICE);
    if (service != null && !SERVICE_NAME.matcher(service).matches()) {
      b.problem("service-name", Reader.quoteText(service), SERVICE);
      service = null;
    }
    Long required = b.integer("required-contact-points", 1, 1000, Reader.integerRange(1, 1000));
    Long managementPort = b.integer("management-port", 1, HttpReader.MAX_PORT, Reader.integerRange(1, HttpReader.MAX_PORT));
    List<String> contactPoints = strings(b, "contact-points", HOST_PORT, SEED);
    if (Boolean.TRUE.equals(enabled) && discovery == ClusterSpec.Discovery.CONFIG
        && contactPoints != null && contactPoints.isEmpty()) {
      b.problem("contact-points", "[]", "every node's management \"host:port\" for discovery = config");
      contactPoints = null;
    }
    if (anyNull(enabled, discovery, service, required, managementPort, contactPoints)) {
      return null;
    }
    return new ClusterSpec.Bootstrap(enabled, discovery, service, required.intValue(), managementPort.intValue(), contactPoints);
  }

  /** Whether a value reads as true (true, on, yes), even when the rest of its group is invalid. */
  private static boolean isTrue(ConfigValue v) {
    try {
      return v != null && com.typesafe.config.ConfigFactory.empty().withValue("v", v).getBoolean("v");
    } catch (com.typesafe.config.ConfigException e) {
      return false;
    }
  }

  static boolean isRole(String text) {
    return ROLE.matcher(text).matches();
  }

  private static List<String> strings(Reader c, String key, Pattern valid, String expected) {
    ConfigValue value = c.raw(key);
    if (!(value instanceof ConfigList list)) {
      c.problem(key, Reader.describe(value), expected);
      return null;
    }
    List<String> out = new ArrayList<>();
    for (ConfigValue v : list) {
      String text = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : null;
      if (text == null || !valid.matcher(text).matches()) {
        c.problem(key, Reader.describe(v), expected);
        return null;
      }
      out.add(text);
    }
    return out;
  }
}
