package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Reads and validates one app (its object merged over {@code drover.app-defaults}) into an {@link
 * AppSpec}. Every rule of a key is here or in the reader of its group ({@link LifecycleReader},
 * {@link RolloutReader}, {@link RouteReader}, {@link ActorReader} for kind = actor); each bad key
 * adds one problem and reading goes on, so one pass reports everything wrong with the app.
 */
final class AppReader {
  static final int MAX_INSTANCES = 10_000;
  static final String INSTANCES = "a positive integer or \"cores\"";
  static final String COMMAND = "a list of strings such as [\"node\", \"server.js\"]";
  static final String NO_SHELL = " (it is run without a shell, so write a list)";
  static final String NON_EMPTY_COMMAND =
      "a non-empty list of strings such as [\"node\", \"server.js\"]";
  static final String SIZE = "a size greater than 0, such as 512K, 10M or 1G";
  static final String MAX_MEMORY = "off or a size greater than 0, such as 512M or 2G";
  static final String CORES = "cores";
  static final String OFF = "off";
  static final long MAX_BODY = 1024L * 1024 * 1024;
  static final String BODY = "a size from 1 byte to 1G, such as 64K or 1M";

  private final Reader app;
  private final Path baseDir;

  private AppReader(Reader app, Path baseDir) {
    this.app = app;
    this.baseDir = baseDir;
  }

  /**
   * The app read by {@code app}, or null when a problem was found in it.
   *
   * @param name the app's name
   * @param baseDir directory a relative {@code cwd} or {@code classpath} entry resolves against
   * @param commandRequired false when reading {@code drover.app-defaults} itself (then neither
   *     {@code command} nor, for kind = actor, {@code class} is required)
   * @param lone whether it is the config's only app: then, unless its route (or app-defaults')
   *     sets a host or prefix, it is routed at "/"
   */
  static AppSpec read(String name, Reader app, Path baseDir, boolean commandRequired, boolean lone) {
    return new AppReader(app, baseDir).read(name, commandRequired, lone);
  }

  private AppSpec read(String name, boolean commandRequired, boolean lone) {
    WorkerKind kind = app.choice("kind", WorkerKind.class);
    boolean actor = kind == WorkerKind.ACTOR;
    ActorReader actorKeys = new ActorReader(app, baseDir);
    List<String> command = actor ? actorKeys.command() : command(commandRequired);
    Path cwd = cwd();
    Map<String, String> env = env(app.group("env"));
    Integer instances = instances();
    ProbeSpec readiness = LifecycleReader.probe(app.group("readiness"), false);
    ProbeSpec liveness = LifecycleReader.probe(app.group("liveness"), true);
    RestartSpec restart = LifecycleReader.restart(app.group("restart"));
    StopSpec stop = LifecycleReader.stop(app.group("stop"));
    OptionalLong maxMemory = maxMemory();
    Duration memoryCheckInterval = app.duration("memory-check-interval", false);
    LogSpec logs = logs(app.group("logs"));
    Placement placement = app.choice("placement", Placement.class);
    String placementRole = placementRole();
    Long maxBody = app.size("max-body", 1, MAX_BODY, BODY);
    RecycleSpec recycle = RolloutReader.recycle(app.group("recycle"));
    AutoscaleSpec autoscale = RolloutReader.autoscale(app.group("autoscale"), instances);
    RolloutSpec update = RolloutReader.update(app.group("update"), placement, instances);
    if (placement == Placement.CLUSTER
        && restart != null
        && restart.strategy() != RestartStrategy.ONE_FOR_ONE) {
      app.group("restart").problem("strategy", Reader.quoteText(Reader.configName(restart.strategy())),
          "one-for-one for placement = cluster (its slots run on different nodes and restart each on its own)");
      restart = null;
    }
    ActorSpec actorSpec = null;
    if (actor) {
      readiness = actorKeys.unprobed(readiness, "readiness", ActorReader.READY_ONCE_STARTED);
      liveness = actorKeys.unprobed(liveness, "liveness", ActorReader.NO_PORT);
      maxMemory = actorKeys.maxMemory(maxMemory);
      actorSpec = actorKeys.spec(commandRequired, instances);
    }
    Reader routeGroup = app.group("route");
    RouteSpec route = RouteReader.read(routeGroup, actorSpec, instances);
    if (lone && route != null && !routeGroup.userSet("host") && !routeGroup.userSet("prefix")) {
      route = route.withPrefix("/"); // a config's only app serves every request unless told otherwise
    }
    if (route != null && route.protocol() == RouteProtocol.H2C) {
      readiness = notHttp(readiness, "readiness");
      liveness = notHttp(liveness, "liveness");
    }
    if (anyNull(kind, command, cwd, env, instances, route, readiness, liveness, restart, stop)
        || anyNull(maxMemory, memoryCheckInterval, logs, placement, placementRole, maxBody, recycle, autoscale, update)
        || (actor && actorSpec == null)) {
      return null;
    }
    return new AppSpec(
        name, kind, command, cwd, env, instances, route, readiness, liveness, restart, stop,
        maxMemory, memoryCheckInterval, logs, actorSpec, placement, placementRole, maxBody, recycle, autoscale, update);
  }

  /** An h2c app's probe: not http, which speaks HTTP/1.1 to a worker that answers HTTP/2 only (a gRPC server). */
  private ProbeSpec notHttp(ProbeSpec probe, String key) {
    if (probe == null || probe.type() != ProbeType.HTTP) {
      return probe;
    }
    app.group(key).problem("type", Reader.quoteText(Reader.configName(probe.type())),
        "tcp, notify or none for route.protocol = h2c (an http probe speaks HTTP/1.1, which an h2c worker does not answer)");
    return null;
  }

  private String placementRole() {
    String role = app.string("placement-role", ClusterReader.ROLE_OR_ANY);
    if (role != null && !role.isEmpty() && !ClusterReader.isRole(role)) {
      app.problem("placement-role", Reader.quoteText(role), ClusterReader.ROLE_OR_ANY);
      return null;
    }
    return role;
  }

  private List<String> command(boolean required) {
    ConfigValue value = app.raw("command");
    if (value != null && value.valueType() == ConfigValueType.STRING) {
      app.problem("command", Reader.describe(value), COMMAND + NO_SHELL);
      return null;
    }
    if (!(value instanceof ConfigList list)) {
      app.problem("command", Reader.describe(value), COMMAND);
      return null;
    }
    if (list.isEmpty() && required) {
      app.problem("command", app.userSet("command") ? "[]" : "nothing", NON_EMPTY_COMMAND);
      return null;
    }
    List<String> command = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      if (!Reader.isScalar(element)) {
        app.problem("command", Reader.describe(element) + " at index " + i, COMMAND);
        return null;
      }
      String arg = ConfigFactory.empty().withValue("v", element).getString("v");
      if (arg.isEmpty()) {
        app.problem("command", "\"\" at index " + i, "a non-empty string for every element");
        return null;
      }
      if (hasControl(arg)) {
        app.problem("command", "a control character at index " + i, "arguments without control characters (NUL, ESC, ...)");
        return null;
      }
      command.add(arg);
    }
    return command;
  }

  private Path cwd() {
    String text = app.string("cwd", "a directory path");
    if (text == null) {
      return null;
    }
    Path dir;
    try {
      dir = baseDir.resolve(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      app.problem("cwd", Reader.quoteText(text) + " (" + e.getReason() + ")", "a directory path");
      return null;
    }
    if (!Files.isDirectory(dir)) {
      String why = Files.exists(dir) ? "is not a directory" : "does not exist";
      app.problem(
          "cwd", Reader.quoteText(text) + " (" + dir + " " + why + ")", "an existing directory");
      return null;
    }
    return dir;
  }

  private static Map<String, String> env(Reader env) {
    if (env == null) {
      return null;
    }
    Map<String, String> result = new LinkedHashMap<>();
    boolean ok = true;
    for (Map.Entry<String, ConfigValue> entry : new TreeMap<>(env.object()).entrySet()) {
      String name = entry.getKey();
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        env.problem(name, "the variable name " + Reader.quoteText(name), "a name without \"=\"");
        ok = false;
      }
      String value = env.string(name, "a string, number or boolean");
      if (value != null && value.indexOf('\0') >= 0) {
        env.problem(name, "a value with a NUL character", "a value without NUL (the OS cannot pass it)");
        value = null;
      }
      if (value == null) {
        ok = false;
      } else {
        result.put(name, value);
      }
    }
    return ok ? result : null;
  }

  private Integer instances() {
    ConfigValue value = app.raw("instances");
    if (value != null
        && value.valueType() == ConfigValueType.STRING
        && CORES.equals(((String) value.unwrapped()).trim().toLowerCase(Locale.ROOT))) {
      return Runtime.getRuntime().availableProcessors();
    }
    Long n = app.integer("instances", 1, Long.MAX_VALUE, INSTANCES);
    if (n != null && n > MAX_INSTANCES) {
      app.problem(
          "instances", Reader.describe(value), "at most " + MAX_INSTANCES + ", or \"cores\"");
      return null;
    }
    return n == null ? null : n.intValue();
  }

  private OptionalLong maxMemory() {
    ConfigValue value = app.raw("max-memory");
    if (value != null
        && ((value.valueType() == ConfigValueType.STRING
                && OFF.equalsIgnoreCase(((String) value.unwrapped()).trim()))
            || Boolean.FALSE.equals(value.unwrapped()))) {
      return OptionalLong.empty();
    }
    Long bytes = app.size("max-memory", MAX_MEMORY);
    return bytes == null ? null : OptionalLong.of(bytes);
  }

  private static LogSpec logs(Reader logs) {
    if (logs == null) {
      return null;
    }
    Long maxSize = logs.size("max-size", SIZE);
    Long keep = logs.integer("keep", 0, Integer.MAX_VALUE, "an integer of 0 or more");
    return anyNull(maxSize, keep) ? null : new LogSpec(maxSize, keep.intValue());
  }

  /** Whitespace or control characters (NUL, ESC, DEL, ...): not allowed in hosts and paths. */
  static boolean containsSpace(String s) {
    return s.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
  }

  private static boolean hasControl(String s) {
    return s.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r');
  }
}