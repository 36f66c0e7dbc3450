package io.drover.supervisor.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a node's configuration: parse the user's HOCON, fill defaults from reference.conf,
 * resolve substitutions (system properties and the environment are available), validate every key
 * and cross-key rule, then build the immutable {@link DroverSettings}.
 *
 * <p>Validation collects all problems before failing, and whatever the input, the only exception
 * thrown is a {@link ConfigException} listing them, one line each: file, line, key, found,
 * expected.
 */
public final class ConfigLoader {
  /** The name of an app: also a directory name and an environment value, so kept plain. */
  public static final Pattern APP_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  static final String DROVER = "drover";
  static final String APPS = "apps";
  static final String APP_DEFAULTS = "app-defaults";
  static final String HTTP = "http";
  static final String ENV = "env";
  /** An actor app's settings for its workers: keys of the user's choosing. */
  static final String CONFIG = "config";
  /** Top-level keys of a config file: Drover's own, and Pekko's settings of the node. */
  static final List<String> TOP_LEVEL = List.of(DROVER, "pekko");

  private static final List<String> DEFAULTS_PATH = List.of(DROVER, APP_DEFAULTS);
  /** A substitution as reference.conf's values render it: {@code ${drover.home}}. */
  private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??([^}]+)}");

  private ConfigLoader() {}

  /**
   * Loads and validates a config file. Relative {@code cwd}s and {@code classpath} entries of apps
   * resolve against the file's directory; relative home, state and log directories against the
   * working directory.
   *
   * @throws ConfigException listing every problem found; no other exception is thrown
   */
  public static DroverSettings load(Path file) {
    Objects.requireNonNull(file, "file");
    String name = file.toString();
    return guarded(
        name,
        () -> {
          Path absolute = file.toAbsolutePath().normalize();
          String text = Sources.read(absolute, name);
          Origins bare = new Origins(null, name, absolute.getParent(), file.getParent());
          ConfigParseOptions options =
              ConfigParseOptions.defaults()
                  .setAllowMissing(false)
                  .setSyntax(ConfigSyntax.CONF)
                  .setOriginDescription(name);
          Config user =
              Sources.parse(() -> ConfigFactory.parseFile(absolute.toFile(), options), bare, text);
          Origins origins = new Origins(user.root(), name, absolute.getParent(), file.getParent());
          return validate(user, origins, text, absolute.getParent(), Optional.of(file));
        });
  }

  /**
   * Parses and validates configuration text, e.g. a body sent to an apply endpoint.
   *
   * @param originName names the text in messages (in place of a file name)
   * @param baseDir the directory relative app {@code cwd}s and {@code classpath} entries resolve
   *     against; null for the working
   *     directory
   * @throws ConfigException listing every problem found; no other exception is thrown
   */
  public static DroverSettings parse(String hoconText, String originName, Path baseDir) {
    Objects.requireNonNull(hoconText, "hoconText");
    String name = originName == null || originName.isBlank() ? "<config>" : originName;
    return guarded(
        name,
        () -> {
          Path base = (baseDir == null ? Path.of("") : baseDir).toAbsolutePath().normalize();
          Sources.checkText(hoconText, name);
          Origins bare = new Origins(null, name, null, null);
          ConfigParseOptions options =
              ConfigParseOptions.defaults()
                  .setSyntax(ConfigSyntax.CONF)
                  .setOriginDescription(name);
          Config user =
              Sources.parse(() -> ConfigFactory.parseString(hoconText, options), bare, hoconText);
          Origins origins = new Origins(user.root(), name, null, null);
          return validate(user, origins, hoconText, base, Optional.empty());
        });
  }

  private interface Step {
    DroverSettings run();
  }

  /** Runs a load, turning anything unforeseen into a problem so that nothing else escapes. */
  private static DroverSettings guarded(String name, Step step) {
    try {
      return step.run();
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      String found = "a configuration that could not be read (" + e + ")";
      throw Sources.failure(new ConfigProblem(name, 0, "", found, "a valid configuration"));
    }
  }

  private static DroverSettings validate(
      Config user, Origins origins, String text, Path baseDir, Optional<Path> source) {
    Set<ConfigProblem> problems = new LinkedHashSet<>();
    KnownKeys keys = new KnownKeys(origins, problems);
    for (String key : new TreeSet<>(user.root().keySet())) {
      if (!TOP_LEVEL.contains(key)) {
        keys.unknown(List.of(key), key, TOP_LEVEL);
      }
    }
    Config reference = ConfigFactory.defaultReferenceUnresolved().withOnlyPath(DROVER);
    Config resolved = resolve(user, reference, origins, text, problems);
    if (resolved == null) {
      throw fail(problems, origins);
    }
    ConfigObject referenceDrover = (ConfigObject) reference.root().get(DROVER);
    ConfigValue droverValue = resolved.root().get(DROVER);
    if (!(droverValue instanceof ConfigObject drover)) {
      problems.add(origins.problem(List.of(DROVER), Reader.describe(droverValue), "an object"));
      throw fail(problems, origins);
    }
    keys.check(drover, referenceDrover, List.of(DROVER), Set.of(APPS, ENV, CONFIG, TlsReader.HOSTS));

    Reader root = new Reader(drover, List.of(DROVER), null, origins, problems);
    directory(root, "home");
    Path stateDir = directory(root, "state-dir");
    Path logsDir = directory(root, "logs-dir");
    HttpSpec http = HttpReader.read(root.group(HTTP), baseDir);
    ManagementSpec management = ManagementReader.read(root.group("management"), baseDir);
    ClusterSpec cluster = ClusterReader.read(root.group("cluster"));

    ConfigObject defaults = appDefaults(root, referenceDrover);
    Reader defaultsReader = new Reader(defaults, DEFAULTS_PATH, null, origins, problems);
    AppReader.read(APP_DEFAULTS, defaultsReader, baseDir, false, false); // its problems, once
    ConfigObject referenceDefaults = (ConfigObject) referenceDrover.get(APP_DEFAULTS);
    Map<String, AppSpec> apps = apps(root, defaults, referenceDefaults, keys, baseDir);
    duplicateRoutes(apps, origins, problems);
    clusterPlacement(apps, cluster, origins, problems);
    ClusterReader.messageLimits(apps, cluster, http, origins, problems);

    if (!problems.isEmpty()) {
      throw fail(problems, origins);
    }
    return new DroverSettings(source, stateDir, logsDir, http, management, cluster, apps);
  }

  /** Resolves substitutions; null (with a problem for each unresolved one) when some fail. */
  private static Config resolve(
      Config user,
      Config reference,
      Origins origins,
      String text,
      Collection<ConfigProblem> problems) {
    Config merged = user.withFallback(reference);
    // System properties (user.home) sit below the file and reference.conf, for substitutions
    // only (never as settings); environment variables are consulted by resolve() for ${?VAR}.
    Config properties = ConfigFactory.systemProperties();
    for (String key : TOP_LEVEL) {
      properties = properties.withoutPath(key);
    }
    Config withProperties = merged.withFallback(properties);
    try {
      Config resolved =
          withProperties.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
      if (resolved.isResolved()) {
        return resolved;
      }
      int before = problems.size();
      unresolved(resolved.root(), List.of(), origins, problems);
      if (problems.size() == before) {
        problems.add(
            origins.problem(List.of(), "unresolved substitutions", "substitutions that resolve"));
      }
    } catch (com.typesafe.config.ConfigException e) {
      if (!substitutedNonScalars(user, reference, origins, problems)) {
        problems.add(Sources.problem(e, origins, text));
      }
    }
    return null;
  }

  /**
   * Reports each key reference.conf builds other defaults from (such as {@code drover.home}, in
   * {@code state-dir = ${drover.home}"/state"}) that the user set to an object or a list, which
   * cannot be joined with text: otherwise resolving fails with a message naming no key. Returns
   * whether there was such a key.
   */
  private static boolean substitutedNonScalars(
      Config user, Config reference, Origins origins, Collection<ConfigProblem> problems) {
    boolean found = false;
    Matcher substitution =
        SUBSTITUTION.matcher(reference.root().render(ConfigRenderOptions.concise()));
    Set<String> seen = new TreeSet<>();
    while (substitution.find()) {
      String key = substitution.group(1).strip();
      if (!seen.add(key)) {
        continue;
      }
      ConfigValue value;
      try {
        value = user.hasPathOrNull(key) ? user.getValue(key) : null;
      } catch (com.typesafe.config.ConfigException e) {
        continue; // not a path, or itself a substitution: resolving reports it
      }
      if (value instanceof ConfigObject || value instanceof com.typesafe.config.ConfigList) {
        problems.add(
            origins.problem(
                ConfigUtil.splitPath(key),
                Reader.describe(value),
                "a string, number or boolean (the defaults of other keys are built from it)"));
        found = true;
      }
    }
    return found;
  }

  /** Reports each value under {@code value} whose substitution could not be resolved. */
  private static void unresolved(
      ConfigValue value, List<String> path, Origins origins, Collection<ConfigProblem> problems) {
    try {
      if (value instanceof ConfigObject object) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
          unresolved(entry.getValue(), Reader.append(path, entry.getKey()), origins, problems);
        }
      } else if (value instanceof com.typesafe.config.ConfigList list) {
        for (ConfigValue element : list) {
          unresolved(element, path, origins, problems);
        }
      } else {
        value.valueType();
      }
    } catch (com.typesafe.config.ConfigException.NotResolved e) {
      problems.add(
          origins.problem(
              path,
              "an unresolved substitution " + Reader.render(value),
              "a value set in the file, a system property or an environment variable"));
    }
  }

  /** A directory setting as an absolute path (relative ones against the working directory). */
  private static Path directory(Reader drover, String key) {
    String text = drover.string(key, "a directory path");
    if (text == null) {
      return null;
    }
    try {
      if (!text.isBlank()) {
        return Path.of("").toAbsolutePath().resolve(text).normalize();
      }
    } catch (InvalidPathException e) {
      // reported below
    }
    drover.problem(key, Reader.quoteText(text), "a directory path");
    return null;
  }

  /** The user's app defaults (over reference.conf's), or reference.conf's if not an object. */
  private static ConfigObject appDefaults(Reader drover, ConfigObject referenceDrover) {
    ConfigValue value = drover.raw(APP_DEFAULTS);
    if (value instanceof ConfigObject object) {
      return object;
    }
    drover.problem(APP_DEFAULTS, Reader.describe(value), "an object");
    return ((ConfigObject) referenceDrover.get(APP_DEFAULTS)).toConfig().resolve().root();
  }

  private static Map<String, AppSpec> apps(
      Reader drover,
      ConfigObject defaults,
      ConfigObject referenceDefaults,
      KnownKeys keys,
      Path baseDir) {
    Map<String, AppSpec> apps = new LinkedHashMap<>();
    ConfigValue value = drover.raw(APPS);
    if (!(value instanceof ConfigObject declared)) {
      drover.problem(
          APPS, Reader.describe(value), "an object holding one object per app, keyed by name");
      return apps;
    }
    Origins origins = drover.origins();
    List<String> names = new ArrayList<>(declared.keySet());
    Map<String, ConfigProblem> declaredAt = new HashMap<>();
    for (String name : names) {
      declaredAt.put(name, origins.problem(List.of(DROVER, APPS, name), "", ""));
    }
    names.sort(
        Comparator.comparing(
            declaredAt::get, inFileOrder(origins).thenComparing(ConfigProblem::key)));
    for (String name : names) {
      List<String> path = List.of(DROVER, APPS, name);
      boolean nameOk = APP_NAME.matcher(name).matches();
      if (!nameOk) {
        drover.problemAt(
            path, "the app name " + Reader.quoteText(name), "a name matching " + APP_NAME);
      }
      ConfigValue app = declared.get(name);
      if (!(app instanceof ConfigObject appObject)) {
        drover.problemAt(path, Reader.describe(app), "an object describing the app");
        continue;
      }
      keys.check(appObject, referenceDefaults, path, Set.of(ENV, CONFIG));
      Reader reader =
          new Reader(appObject.withFallback(defaults), path, DEFAULTS_PATH, origins, drover.sink());
      AppSpec spec = AppReader.read(name, reader, baseDir, true, names.size() == 1);
      if (spec != null && nameOk) {
        apps.put(name, spec);
      }
    }
    return apps;
  }

  /**
   * Two routed apps may not serve the same host and prefix (host-only routes included): the second
   * names the first.
   */
  private static void duplicateRoutes(
      Map<String, AppSpec> apps, Origins origins, Collection<ConfigProblem> problems) {
    Map<String, String> owners = new HashMap<>();
    for (AppSpec app : apps.values()) {
      RouteSpec route = app.route();
      if (!route.routed()) {
        continue;
      }
      String routeKey = route.host().toLowerCase(Locale.ROOT) + " " + route.prefix();
      String owner = owners.putIfAbsent(routeKey, app.name());
      if (owner != null) {
        String found =
            "the same route as app "
                + Reader.quoteText(owner)
                + " (host "
                + Reader.quoteText(route.host())
                + ", prefix "
                + Reader.quoteText(route.prefix())
                + ")";
        problems.add(
            origins.problem(
                List.of(DROVER, APPS, app.name(), "route"),
                found,
                "a host and prefix no other app routes"));
      }
    }
  }

  /** {@code placement = cluster} needs a cluster to place the slots on. */
  private static void clusterPlacement(
      Map<String, AppSpec> apps, ClusterSpec cluster, Origins origins, Collection<ConfigProblem> problems) {
    if (cluster == null || cluster.enabled()) {
      return;
    }
    for (AppSpec app : apps.values()) {
      if (app.clusterPlaced()) {
        problems.add(
            origins.problem(
                List.of(DROVER, APPS, app.name(), "placement"),
                "cluster while drover.cluster.enabled is false",
                "local, or drover.cluster.enabled = true"));
      }
    }
  }

  /** Every problem, in file order (see {@link #inFileOrder}), as one exception. */
  private static ConfigException fail(Collection<ConfigProblem> problems, Origins origins) {
    List<ConfigProblem> sorted = new ArrayList<>(problems);
    sorted.sort(inFileOrder(origins));
    return new ConfigException(sorted);
  }

  /**
   * The order things were written in: the main file first, by line, then included files by name
   * and line (Typesafe Config keeps no order of keys, only their origins).
   */
  private static Comparator<ConfigProblem> inFileOrder(Origins origins) {
    return Comparator.comparing((ConfigProblem p) -> !p.file().equals(origins.mainName()))
        .thenComparing(ConfigProblem::file)
        .thenComparingInt(ConfigProblem::line);
  }
}
