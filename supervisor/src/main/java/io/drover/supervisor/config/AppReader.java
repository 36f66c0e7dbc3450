package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and validates one app (its object merged over {@code drover.app-defaults}) into an {@link
 * AppSpec}. Every rule of a key is here; each bad key adds one problem and reading goes on, so one
 * pass reports everything wrong with the app.
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
  static final String ON_GIVE_UP =
      "stay or \"retry-after <duration>\" with a duration > 0 and at most 100d, such as \"retry-after 5m\"";
  static final String STAY = "stay";
  static final String RETRY_AFTER = "retry-after";
  static final String CORES = "cores";
  static final String OFF = "off";
  static final String NO_COMMAND =
      "no command for kind = actor (its workers are instances of the class named by \"class\")";
  static final String READY_ONCE_STARTED =
      "(an actor worker is ready once its start method returned)";
  static final String NO_PORT = "(an actor worker has no port to probe)";
  static final String NO_MAX_MEMORY =
      "off for kind = actor (its workers run inside the node's process)";
  static final String CLASS_NAME =
      "a fully qualified Java class name such as \"com.example.HashWorker\"";
  static final String CLASS_REQUIRED = CLASS_NAME + " (required for kind = actor)";
  static final String CLASSPATH =
      "a list of paths of .jar files or class directories, such as [\"lib/worker.jar\"]";
  static final String CLASSPATH_ENTRY = "an existing .jar file or directory";
  static final long MAX_BODY = 1024L * 1024 * 1024;
  static final String BODY = "a size from 1 byte to 1G, such as 64K or 1M";
  static final int MAX_IN_FLIGHT = 10_000;
  static final int MAX_QUEUE = 1_000_000;
  static final int MAX_THREADS = 1024;
  static final int COMPUTED_THREADS = 64;
  static final int MAX_FAILURE_THRESHOLD = 10_000;
  static final Set<String> KEYWORDS =
      Set.of(
          "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class",
          "const", "continue", "default", "do", "double", "else", "enum", "extends", "final",
          "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
          "interface", "long", "native", "new", "package", "private", "protected", "public",
          "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
          "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false",
          "null", "_");

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
    List<String> command = actor ? actorCommand() : command(commandRequired);
    Path cwd = cwd();
    Map<String, String> env = env(app.group("env"));
    Integer instances = instances();
    ProbeSpec readiness = probe(app.group("readiness"), false);
    ProbeSpec liveness = probe(app.group("liveness"), true);
    RestartSpec restart = restart(app.group("restart"));
    StopSpec stop = stop(app.group("stop"));
    OptionalLong maxMemory = maxMemory();
    Duration memoryCheckInterval = app.duration("memory-check-interval", false);
    LogSpec logs = logs(app.group("logs"));
    Placement placement = app.choice("placement", Placement.class);
    String placementRole = placementRole();
    Long maxBody = app.size("max-body", 1, MAX_BODY, BODY);
    RecycleSpec recycle = recycle(app.group("recycle"));
    AutoscaleSpec autoscale = autoscale(app.group("autoscale"), placement, instances);
    RolloutSpec update = update(app.group("update"), placement, instances);
    if (placement == Placement.CLUSTER
        && restart != null
        && restart.strategy() != RestartStrategy.ONE_FOR_ONE) {
      app.group("restart").problem("strategy", Reader.quoteText(Reader.configName(restart.strategy())),
          "one-for-one for placement = cluster (its slots run on different nodes and restart each on its own)");
      restart = null;
    }
    ActorSpec actorSpec = null;
    if (actor) {
      readiness = unprobed(readiness, "readiness", READY_ONCE_STARTED);
      liveness = unprobed(liveness, "liveness", NO_PORT);
      maxMemory = actorMaxMemory(maxMemory);
      actorSpec = actor(commandRequired, instances);
    }
    Reader routeGroup = app.group("route");
    RouteSpec route = RouteReader.read(routeGroup, actorSpec, instances);
    if (lone && route != null && !routeGroup.userSet("host") && !routeGroup.userSet("prefix")) {
      route = route.withPrefix("/"); // a config's only app serves every request unless told otherwise
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

  private String placementRole() {
    String role = app.string("placement-role", ClusterReader.ROLE_OR_ANY);
    if (role != null && !role.isEmpty() && !ClusterReader.isRole(role)) {
      app.problem("placement-role", Reader.quoteText(role), ClusterReader.ROLE_OR_ANY);
      return null;
    }
    return role;
  }

  /**
   * Whether the user wrote {@code keys} on the object read itself (the app, or the defaults when
   * reading them), not only in the defaults it inherits: a default meant for process apps (a
   * command, a tcp readiness probe, a memory limit) is ignored by actor apps, while the same key
   * written on an actor app is an error.
   */
  private boolean ownSet(String... keys) {
    return app.origins().userSet(ownPath(keys));
  }

  private List<String> ownPath(String... keys) {
    List<String> path = new ArrayList<>(app.path());
    path.addAll(List.of(keys));
    return path;
  }

  /** An actor app runs no program: a command written on it is refused, an inherited one unused. */
  private List<String> actorCommand() {
    ConfigValue value = app.raw("command");
    boolean empty = value instanceof ConfigList list && list.isEmpty();
    if (!empty && ownSet("command")) {
      app.problem("command", Reader.describe(value), NO_COMMAND);
      return null;
    }
    return List.of();
  }

  /** An actor app's probe: NONE, and an explicit tcp or http probe written on it is refused. */
  private ProbeSpec unprobed(ProbeSpec probe, String key, String why) {
    if (probe == null || probe.type() == ProbeType.NONE) {
      return probe;
    }
    if (ownSet(key, "type")) {
      app.problemAt(
          ownPath(key, "type"),
          Reader.describe(((ConfigObject) app.raw(key)).get("type")),
          "none for kind = actor " + why);
      return null;
    }
    return new ProbeSpec(
        ProbeType.NONE, probe.path(), probe.interval(), probe.timeout(), probe.failures());
  }

  /** An actor app has no process of its own to measure: a limit written on it is refused. */
  private OptionalLong actorMaxMemory(OptionalLong maxMemory) {
    if (maxMemory == null || maxMemory.isEmpty()) {
      return maxMemory;
    }
    if (ownSet("max-memory")) {
      app.problem("max-memory", Reader.describe(app.raw("max-memory")), NO_MAX_MEMORY);
      return null;
    }
    return OptionalLong.empty();
  }

  /**
   * The worker class and limits of an actor app, or null when a problem was found.
   *
   * @param classRequired false when reading {@code drover.app-defaults} itself
   * @param instances the app's instance count (null when invalid), for the computed thread count
   */
  private ActorSpec actor(boolean classRequired, Integer instances) {
    String className = className(classRequired);
    List<Path> classpath = classpath();
    Map<String, Object> config = config(app.group("config"));
    Long maxInFlight =
        app.integer(
            "max-in-flight", 1, MAX_IN_FLIGHT, Reader.integerRange(1, MAX_IN_FLIGHT));
    Long maxQueue = app.integer("max-queue", 0, MAX_QUEUE, Reader.integerRange(0, MAX_QUEUE));
    Long threads = app.integer("threads", 0, MAX_THREADS, Reader.integerRange(0, MAX_THREADS));
    Long failureThreshold =
        app.integer(
            "failure-threshold",
            1,
            MAX_FAILURE_THRESHOLD,
            Reader.integerRange(1, MAX_FAILURE_THRESHOLD));
    if (anyNull(className, classpath, config, maxInFlight, maxQueue, threads)
        || anyNull(failureThreshold, instances)) {
      return null;
    }
    long poolSize =
        threads > 0 ? threads : Math.min((long) instances * maxInFlight, COMPUTED_THREADS);
    return new ActorSpec(
        className,
        classpath,
        config,
        maxInFlight.intValue(),
        maxQueue.intValue(),
        (int) Math.max(1, poolSize),
        failureThreshold.intValue());
  }

  private String className(boolean required) {
    String name = app.string("class", CLASS_NAME);
    if (name == null) {
      return null;
    }
    if (name.isEmpty()) {
      if (!required) {
        return name;
      }
      app.problem("class", app.userSet("class") ? "\"\"" : "nothing", CLASS_REQUIRED);
      return null;
    }
    if (!isBinaryName(name)) {
      app.problem("class", Reader.quoteText(name), CLASS_NAME);
      return null;
    }
    return name;
  }

  /** A Java binary class name: identifiers (not keywords) separated by dots, {@code $} allowed. */
  static boolean isBinaryName(String name) {
    for (String part : name.split("\\.", -1)) {
      if (part.isEmpty()
          || !Character.isJavaIdentifierStart(part.codePointAt(0))
          || !part.codePoints().allMatch(Character::isJavaIdentifierPart)
          || part.codePoints().anyMatch(Character::isIdentifierIgnorable)
          || KEYWORDS.contains(part)) {
        return false;
      }
    }
    return true;
  }

  /** The classpath, each entry resolved against the config file's directory (as {@code cwd}). */
  private List<Path> classpath() {
    ConfigValue value = app.raw("classpath");
    if (!(value instanceof ConfigList list)) {
      app.problem("classpath", Reader.describe(value), CLASSPATH);
      return null;
    }
    List<Path> classpath = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      if (!Reader.isScalar(element)) {
        app.problem("classpath", Reader.describe(element) + " at index " + i, CLASSPATH);
        ok = false;
        continue;
      }
      String text = ConfigFactory.empty().withValue("v", element).getString("v");
      if (text.isEmpty()) {
        app.problem("classpath", "\"\" at index " + i, "a non-empty string for every element");
        ok = false;
        continue;
      }
      Path entry;
      try {
        entry = baseDir.resolve(text).toAbsolutePath().normalize();
      } catch (InvalidPathException e) {
        app.problem("classpath", Reader.quoteText(text) + " (" + e.getReason() + ")", CLASSPATH);
        ok = false;
        continue;
      }
      boolean jar =
          Files.isRegularFile(entry)
              && entry.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar");
      if (!jar && !Files.isDirectory(entry)) {
        String why = Files.exists(entry) ? "is not a .jar file or a directory" : "does not exist";
        app.problem(
            "classpath", Reader.quoteText(text) + " (" + entry + " " + why + ")", CLASSPATH_ENTRY);
        ok = false;
        continue;
      }
      classpath.add(entry);
    }
    return ok ? classpath : null;
  }

  /**
   * The {@code config} block as plain Java values (Map, List, String, Number, Boolean), read-only.
   * A key set to null at its top is left out (null unsets an inherited key in HOCON).
   */
  private static Map<String, Object> config(Reader config) {
    if (config == null) {
      return null;
    }
    Map<String, Object> result = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> entry : config.object().entrySet()) {
      Object value = readOnly(entry.getValue().unwrapped());
      if (value != null) {
        result.put(entry.getKey(), value);
      }
    }
    return result;
  }

  private static Object readOnly(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, readOnly(v)));
      return Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(v -> copy.add(readOnly(v)));
      return Collections.unmodifiableList(copy);
    }
    return value;
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

  private static ProbeSpec probe(Reader probe, boolean liveness) {
    if (probe == null) {
      return null;
    }
    ProbeType type = probe.choice("type", ProbeType.class);
    String path = probe.string("path", "a path starting with \"/\"");
    if (path != null && (!path.startsWith("/") || containsSpace(path))) {
      probe.problem("path", Reader.quoteText(path), "a path starting with \"/\"");
      path = null;
    }
    Duration interval = probe.duration("interval", false);
    Duration timeout = probe.duration("timeout", false);
    Long failures =
        liveness
            ? probe.integer("failures", 1, Integer.MAX_VALUE, "a positive integer")
            : Long.valueOf(0); // readiness has no failures: its timeout bounds the start
    return anyNull(type, path, interval, timeout, failures)
        ? null
        : new ProbeSpec(type, path, interval, timeout, failures.intValue());
  }

  private static RestartSpec restart(Reader restart) {
    if (restart == null) {
      return null;
    }
    RestartPolicy policy = restart.choice("policy", RestartPolicy.class);
    RestartStrategy strategy = restart.choice("strategy", RestartStrategy.class);
    BackoffSpec backoff = backoff(restart, restart.group("backoff"));
    Long maxRestarts =
        restart.integer("max-restarts", 0, Integer.MAX_VALUE, "an integer of 0 or more");
    Duration within = restart.duration("within", false);
    Duration minUptime = restart.duration("min-uptime", true);
    Optional<Duration> retryAfter = onGiveUp(restart);
    return anyNull(policy, strategy, backoff, maxRestarts, within, minUptime, retryAfter)
        ? null
        : new RestartSpec(
            policy, strategy, backoff, maxRestarts.intValue(), within, minUptime, retryAfter);
  }

  private static BackoffSpec backoff(Reader restart, Reader backoff) {
    if (backoff == null) {
      return null;
    }
    Duration min = backoff.duration("min", false);
    Duration max = backoff.duration("max", false);
    Double randomFactor = backoff.number("random-factor", 0, 1, "a number from 0 to 1");
    if (min != null && max != null && min.compareTo(max) > 0) {
      String found =
          "min > max (min = " + text(backoff.raw("min")) + ", max = " + text(backoff.raw("max"));
      restart.problem("backoff", found + ")", "min <= max");
      return null;
    }
    return anyNull(min, max, randomFactor) ? null : new BackoffSpec(min, max, randomFactor);
  }

  /** {@code stay} is an empty Optional, {@code retry-after 5m} holds 5m; null when invalid. */
  private static Optional<Duration> onGiveUp(Reader restart) {
    ConfigValue value = restart.raw("on-give-up");
    if (value != null && value.valueType() == ConfigValueType.STRING) {
      String text = ((String) value.unwrapped()).trim();
      if (text.equals(STAY)) {
        return Optional.empty();
      }
      String[] words = text.split("\\s+", 2);
      if (words.length == 2 && words[0].equals(RETRY_AFTER)) {
        try {
          Duration d =
              ConfigFactory.empty()
                  .withValue("d", ConfigValueFactory.fromAnyRef(words[1]))
                  .getDuration("d");
          if (!d.isNegative() && !d.isZero() && Reader.schedulable(d)) {
            return Optional.of(d);
          }
        } catch (com.typesafe.config.ConfigException | ArithmeticException e) {
          // reported below
        }
      }
    }
    restart.problem("on-give-up", Reader.describe(value), ON_GIVE_UP);
    return null;
  }

  private static StopSpec stop(Reader stop) {
    if (stop == null) {
      return null;
    }
    Duration drainTimeout = stop.duration("drain-timeout", true);
    Signal signal =
        stop.choice(
            "signal",
            Signal.class,
            s -> {
              String upper = s.toUpperCase(Locale.ROOT);
              return upper.startsWith("SIG") ? upper.substring(3) : upper;
            },
            Signal::name);
    Duration timeout = stop.duration("timeout", false);
    Duration tunnelGrace = stop.duration("tunnel-grace", true);
    return anyNull(signal, timeout, drainTimeout, tunnelGrace)
        ? null
        : new StopSpec(signal, timeout, drainTimeout, tunnelGrace);
  }

  private static AutoscaleSpec autoscale(Reader autoscale, Placement placement, Integer instances) {
    if (autoscale == null) {
      return null;
    }
    Long min = autoscale.integer("min", 1, MAX_INSTANCES, "an integer from 1 to " + MAX_INSTANCES);
    Long max = autoscale.integer("max", 0, MAX_INSTANCES, "an integer from 0 (off) to " + MAX_INSTANCES);
    Double target = autoscale.number("target", 0.01, 1_000_000, "a number greater than 0 (requests in flight or queued per worker)");
    Duration up = autoscale.duration("scale-up-window", true);
    Duration down = autoscale.duration("scale-down-window", true);
    Duration interval = autoscale.duration("interval", false);
    if (anyNull(min, max, target, up, down, interval)) {
      return null;
    }
    if (max > 0 && min > max) {
      autoscale.problem("min", min + " (max = " + max + ")", "min <= max");
      return null;
    }
    if (max > 0 && placement == Placement.CLUSTER) {
      autoscale.problem("max", Long.toString(max), "0 for placement = cluster (autoscaling follows one node's front)");
      return null;
    }
    if (max > 0 && instances != null && (instances < min || instances > max)) {
      autoscale.problem("max", "instances = " + instances + " outside [" + min + ", " + max + "]",
          "min <= instances <= max (instances is the count the app starts with)");
      return null;
    }
    return new AutoscaleSpec(min.intValue(), max.intValue(), target, up, down, interval);
  }

  private static RolloutSpec update(Reader update, Placement placement, Integer instances) {
    if (update == null) {
      return null;
    }
    Long maxParallel = update.integer("max-parallel", 1, MAX_INSTANCES, "an integer from 1 to " + MAX_INSTANCES);
    Duration minHealthy = update.duration("min-healthy-time", true);
    Duration deadline = update.duration("healthy-deadline", false);
    Boolean autoRevert = update.bool("auto-revert");
    Long canary = update.integer("canary", 0, MAX_INSTANCES, "an integer from 0 (none) to " + MAX_INSTANCES);
    Boolean autoPromote = update.bool("auto-promote");
    if (anyNull(maxParallel, minHealthy, deadline, autoRevert, canary, autoPromote)) {
      return null;
    }
    boolean ok = true;
    if (minHealthy.compareTo(deadline) >= 0) {
      update.problem("healthy-deadline",
          text(update.raw("healthy-deadline")) + " (min-healthy-time = " + text(update.raw("min-healthy-time")) + ")",
          "longer than min-healthy-time (a new worker must be able to become healthy in time)");
      ok = false;
    }
    if (canary > 0 && placement == Placement.CLUSTER) {
      update.problem("canary", Long.toString(canary), "0 for placement = cluster (each slot is updated on its own)");
      ok = false;
    } else if (instances != null && canary > instances) {
      update.problem("canary", canary + " (instances = " + instances + ")", "at most instances (each canary takes an old worker's place once promoted)");
      ok = false;
    }
    return ok ? new RolloutSpec(maxParallel.intValue(), minHealthy, deadline, autoRevert, canary.intValue(), autoPromote) : null;
  }

  private static RecycleSpec recycle(Reader recycle) {
    if (recycle == null) {
      return null;
    }
    Long maxRequests = recycle.integer("max-requests", 0, Long.MAX_VALUE, "an integer of 0 (no limit) or more");
    Duration maxAge = recycle.duration("max-age", true);
    Double jitter = recycle.number("jitter", 0, 1, "a number from 0 to 1");
    return anyNull(maxRequests, maxAge, jitter) ? null : new RecycleSpec(maxRequests, maxAge, jitter);
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

  private static String text(ConfigValue value) {
    return String.valueOf(value.unwrapped());
  }

  /** Whitespace or control characters (NUL, ESC, DEL, ...): not allowed in hosts and paths. */
  static boolean containsSpace(String s) {
    return s.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
  }

  private static boolean hasControl(String s) {
    return s.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r');
  }
}
