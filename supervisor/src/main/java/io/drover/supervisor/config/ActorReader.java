package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The part of {@link AppReader} particular to kind = actor: the worker class, its classpath,
 * {@code config} block and limits, and the keys of process apps that an actor app refuses when
 * written on it (a command, a tcp or http probe, a memory limit) and ignores when inherited.
 */
final class ActorReader {
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

  /**
   * @param app the app's object (or {@code drover.app-defaults} when reading them)
   * @param baseDir directory a relative {@code classpath} entry resolves against
   */
  ActorReader(Reader app, Path baseDir) {
    this.app = app;
    this.baseDir = baseDir;
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
  List<String> command() {
    ConfigValue value = app.raw("command");
    boolean empty = value instanceof ConfigList list && list.isEmpty();
    if (!empty && ownSet("command")) {
      app.problem("command", Reader.describe(value), NO_COMMAND);
      return null;
    }
    return List.of();
  }

  /** An actor app's probe: NONE, and an explicit tcp or http probe written on it is refused. */
  ProbeSpec unprobed(ProbeSpec probe, String key, String why) {
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
  OptionalLong maxMemory(OptionalLong maxMemory) {
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
  ActorSpec spec(boolean classRequired, Integer instances) {
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
}
