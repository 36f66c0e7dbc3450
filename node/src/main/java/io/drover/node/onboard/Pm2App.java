package io.drover.node.onboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a PM2 ecosystem file's {@code apps}, converted to the keys of a Drover app (the
 * lines inside its object), with a note for each setting that did not map and why. Which app
 * the front routes, and on which port, is decided over all apps by {@link Pm2Import}.
 */
final class Pm2App {
  /** PM2's interpreter per script extension (PM2's lib/API/interpreter.json; python3 for .py). */
  private static final Map<String, String> INTERPRETERS = Map.of(
      "js", "node", "cjs", "node", "mjs", "node", "sh", "bash", "py", "python3", "rb", "ruby",
      "php", "php", "pl", "perl", "ts", "bun", "tsx", "bun");
  /** What PM2 does that Drover has no key for, and what to do instead. */
  private static final Map<String, String> UNMAPPED = new LinkedHashMap<>();

  static {
    String logs = "Drover writes each worker's stdout and stderr to <logs-dir>/<app>/<app>-<instance>.out"
        + " and .err, rotated by size (logs { max-size, keep }); read them with drover logs APP [-f]";
    String watch = "Drover does not watch files; after a change run drover restart APP (rolling, no request lost)";
    UNMAPPED.put("watch", watch);
    UNMAPPED.put("ignore_watch", watch);
    UNMAPPED.put("watch_options", watch);
    UNMAPPED.put("watch_delay", watch);
    UNMAPPED.put("cron_restart", "Drover has no cron restart; recycle.max-age replaces a worker (rolling) once it"
        + " ran that long, or run drover restart APP from cron");
    for (String key : List.of("out_file", "error_file", "log_file", "merge_logs", "combine_logs", "log_type",
        "disable_logs", "log_date_format", "time", "pid_file")) {
      UNMAPPED.put(key, logs);
    }
    UNMAPPED.put("autostart", "Drover starts every declared app; stop one with drover stop APP");
    UNMAPPED.put("instance_var", "each worker gets DROVER_INSTANCE (0, 1, ...) instead of NODE_APP_INSTANCE");
    UNMAPPED.put("increment_var", "each worker gets DROVER_INSTANCE (0, 1, ...); derive the value from it");
    UNMAPPED.put("shutdown_with_message", "Drover stops a worker with a signal (stop.signal), never an IPC message");
    UNMAPPED.put("kill_retry_time", "Drover sends stop.signal once, then KILL after stop.timeout");
    UNMAPPED.put("treekill", "Drover always signals the worker's whole process group");
    for (String key : List.of("uid", "gid", "user", "username")) {
      UNMAPPED.put(key, "workers run as the node's user; run the node as that user (drover startup systemd --user USER)");
    }
    UNMAPPED.put("namespace", "Drover has no namespaces; one config file is one node's set of apps");
    UNMAPPED.put("filter_env", "workers inherit the node's environment plus env");
  }

  /** Keys read below; the rest get a note. */
  private static final Set<String> READ = Set.of(
      "name", "script", "exec", "interpreter", "exec_interpreter", "interpreter_args", "interpreterArgs",
      "node_args", "args", "instances", "exec_mode", "cwd", "env", "port", "max_memory_restart", "min_uptime",
      "max_restarts", "restart_delay", "exp_backoff_restart_delay", "kill_timeout", "listen_timeout",
      "wait_ready", "autorestart", "stop_exit_codes");
  private static final Pattern PM2_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
  private static final Pattern PM2_SIZE = Pattern.compile("(\\d+)\\s*([KMG])?B?", Pattern.CASE_INSENSITIVE);

  final String name;
  final List<String> notes = new ArrayList<>();
  /** Lines of the app's object, in order (readiness and route are added by {@link Pm2Import}). */
  final List<String> keys = new ArrayList<>();
  /** Whether it looks like an HTTP server: cluster mode, a port, or waiting for it to listen. */
  final boolean http;
  /** The port it listened on under PM2 (port, or env.PORT), or null. */
  final Integer port;
  final String listenTimeout;

  /**
   * @param app the PM2 app
   * @param name its Drover name (already made valid and unique)
   * @param cwd its working directory as written in the config
   * @param envName the --env NAME whose env_NAME is merged over env, or null
   */
  Pm2App(JsonNode app, String name, String cwd, String envName) {
    this.name = name;
    keys.add("command = " + Hocon.list(command(app)));
    keys.add("cwd = " + Hocon.quote(cwd));
    if (app.has("instances")) {
      instances(app.get("instances"));
    }
    Map<String, String> env = env(app, envName);
    String envPort = env.remove("PORT");
    if (envPort != null) {
      notes.add(name + ": env.PORT: dropped: each worker gets a PORT of its own (it must listen on process.env.PORT);"
          + " the front listens on " + envPort + " instead");
    }
    if (!env.isEmpty()) {
      List<String> pairs = new ArrayList<>();
      env.forEach((k, v) -> pairs.add(Hocon.key(k) + " = " + Hocon.quote(v)));
      keys.add("env { " + String.join(", ", pairs) + " }");
    }
    port = port(app.has("port") ? app.get("port").asText() : envPort);
    boolean cluster = app.path("exec_mode").asText("").toLowerCase(Locale.ROOT).startsWith("cluster");
    http = cluster || port != null || app.path("wait_ready").asBoolean(false) || app.has("listen_timeout");
    if (cluster) {
      notes.add(name + ": exec_mode cluster: each instance is a process of its own on its own PORT behind Drover's"
          + " front (no shared port through Node's cluster module): the app must listen on process.env.PORT");
    }
    if (app.path("wait_ready").asBoolean(false)) {
      notes.add(name + ": wait_ready: a worker is ready once its PORT accepts connections (readiness tcp);"
          + " workers have no IPC channel, so guard process.send('ready') with if (process.send);"
          + " for an explicit signal use readiness.type = notify (sd_notify: READY=1 to NOTIFY_SOCKET)");
    }
    listenTimeout = app.has("listen_timeout") ? duration(app.get("listen_timeout")) : null;
    restart(app);
    stop(app);
    if (app.has("max_memory_restart")) {
      String size = size(app.get("max_memory_restart"));
      if (size == null) {
        notes.add(name + ": max_memory_restart: not mapped: " + app.get("max_memory_restart") + " is not a size such as 300M");
      } else {
        keys.add("max-memory = " + size + "   # RSS of the worker's process tree");
      }
    }
    others(app, envName);
  }

  private List<String> command(JsonNode app) {
    String script = app.hasNonNull("script") ? app.get("script").asText() : app.path("exec").asText();
    String interpreter = text(app, "interpreter", "exec_interpreter");
    List<String> interpreterArgs = words(first(app, "interpreter_args", "interpreterArgs", "node_args"));
    List<String> args = words(app.get("args"));
    List<String> command = new ArrayList<>();
    if (interpreter == null) {
      String ext = script.contains(".") ? script.substring(script.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
      // a bare name (npm, a binary on PATH) runs as it is; a path without a known extension, under node as PM2 does
      interpreter = INTERPRETERS.getOrDefault(ext, script.contains("/") ? "node" : "none");
    }
    if (!interpreter.equals("none")) {
      command.add(interpreter);
      command.addAll(interpreterArgs);
    } else if (!interpreterArgs.isEmpty()) {
      notes.add(name + ": interpreter_args: not mapped: there is no interpreter (interpreter none); put them in args");
    }
    command.add(script);
    command.addAll(args);
    return command;
  }

  private void instances(JsonNode value) {
    try {
      String count = OneApp.instances(value.asText());
      keys.add("instances = " + (count.equals("cores") ? "cores   # PM2: " + value.asText() : count
          + (value.asInt(1) < 0 ? "   # PM2: " + value.asText() + " (this machine's CPUs less " + -value.asInt() + ")" : "")));
    } catch (IllegalArgumentException e) {
      notes.add(name + ": " + e.getMessage() + "; not mapped (1 worker)");
    }
  }

  private Map<String, String> env(JsonNode app, String envName) {
    Map<String, String> env = new LinkedHashMap<>();
    addEnv(env, app.get("env"), "env");
    if (envName != null) {
      if (app.has("env_" + envName)) {
        addEnv(env, app.get("env_" + envName), "env_" + envName);
      } else {
        notes.add(name + ": --env " + envName + ": the app has no env_" + envName + "; only env was used");
      }
    }
    return env;
  }

  private void addEnv(Map<String, String> env, JsonNode values, String key) {
    if (values == null || values.isNull()) {
      return;
    }
    if (!values.isObject()) {
      notes.add(name + ": " + key + ": not mapped: expected an object of variables, found " + values.getNodeType());
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isContainerNode()) {
        notes.add(name + ": " + key + "." + e.getKey() + ": not mapped: an environment variable holds text, not " + e.getValue());
      } else if (!e.getValue().isNull()) {
        env.put(e.getKey(), e.getValue().asText());
      }
    }
  }

  private void restart(JsonNode app) {
    List<String> restart = new ArrayList<>();
    if (app.has("autorestart") && !app.get("autorestart").asBoolean(true)) {
      restart.add("policy = temporary   # autorestart: false");
    } else if (app.has("stop_exit_codes")) {
      JsonNode codes = app.get("stop_exit_codes");
      boolean onlyZero = codes.isArray() ? codes.size() == 1 && codes.get(0).asInt(-1) == 0 : codes.asInt(-1) == 0;
      if (onlyZero) {
        restart.add("policy = transient   # stop_exit_codes: [0]");
      } else {
        notes.add(name + ": stop_exit_codes: not mapped: Drover's policy transient does not restart after status 0"
            + " only; other statuses always count as abnormal");
      }
    }
    long exp = millis(app, "exp_backoff_restart_delay");
    long fixed = millis(app, "restart_delay");
    if (exp > 0) {
      // PM2 grows the delay 1.5 times per restart up to 15 s; Drover doubles it up to max
      restart.add("backoff { min = " + exp + "ms, max = " + Math.max(exp, 15_000) + "ms }   # exp_backoff_restart_delay");
    } else if (fixed > 0) {
      restart.add("backoff { min = " + fixed + "ms, max = " + fixed + "ms, random-factor = 0 }   # restart_delay");
    }
    if (app.has("max_restarts")) {
      if (app.get("max_restarts").canConvertToInt() && app.get("max_restarts").asInt() >= 0) {
        restart.add("max-restarts = " + app.get("max_restarts").asInt());
      } else {
        notes.add(name + ": max_restarts: not mapped: " + app.get("max_restarts") + " is not a count");
      }
    }
    if (app.has("min_uptime")) {
      String d = duration(app.get("min_uptime"));
      if (d == null) {
        notes.add(name + ": min_uptime: not mapped: " + app.get("min_uptime") + " is not a duration such as 1000 or 10s");
      } else {
        restart.add("min-uptime = " + d);
      }
    }
    if (!restart.isEmpty()) {
      keys.add("restart {");
      restart.forEach(r -> keys.add("  " + r));
      keys.add("}");
    }
  }

  private void stop(JsonNode app) {
    String timeout = app.has("kill_timeout") ? duration(app.get("kill_timeout")) : null;
    if (app.has("kill_timeout") && timeout == null) {
      notes.add(name + ": kill_timeout: not mapped: " + app.get("kill_timeout") + " is not a duration in ms");
    }
    // PM2 stops an app with SIGINT; apps written for it handle that one
    keys.add("stop { signal = INT" + (timeout == null ? "" : ", timeout = " + timeout) + " }   # as PM2 stops apps");
  }

  private void others(JsonNode app, String envName) {
    for (Iterator<String> it = app.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (READ.contains(key)) {
        continue;
      }
      if (key.startsWith("env_")) {
        if (envName == null || !key.equals("env_" + envName)) {
          notes.add(name + ": " + key + ": not used (pick it with --env " + key.substring(4) + ", as pm2 start --env)");
        }
      } else if (UNMAPPED.containsKey(key)) {
        if (!(key.equals("watch") && !app.get(key).asBoolean(true))) {
          notes.add(name + ": " + key + ": not mapped: " + UNMAPPED.get(key).replace("APP", name));
        }
      } else {
        notes.add(name + ": " + key + ": not mapped: Drover has no such setting");
      }
    }
  }

  /** A PM2 duration (a number of ms, or digits with ms/s/m/h) as HOCON, or null. */
  static String duration(JsonNode value) {
    Matcher m = PM2_DURATION.matcher(value.asText().strip());
    if (!value.isNumber() && !value.isTextual() || !m.matches()) {
      return null;
    }
    return m.group(1) + (m.group(2) == null ? "ms" : m.group(2));
  }

  /** A PM2 size (bytes, or digits with K, M or G) as HOCON, or null. */
  static String size(JsonNode value) {
    Matcher m = PM2_SIZE.matcher(value.asText().strip());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      return null;
    }
    return m.group(1) + (m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT));
  }

  private static long millis(JsonNode app, String key) {
    return app.path(key).isNumber() || app.path(key).asText("").matches("\\d+") ? app.path(key).asLong(0) : 0;
  }

  private static Integer port(String text) {
    if (text == null || !text.strip().matches("\\d{1,5}")) {
      return null;
    }
    int p = Integer.parseInt(text.strip());
    return p > 0 && p < 65536 ? p : null;
  }

  private static String text(JsonNode app, String... keys) {
    JsonNode v = first(app, keys);
    return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText().strip();
  }

  private static JsonNode first(JsonNode app, String... keys) {
    for (String k : keys) {
      if (app.hasNonNull(k)) {
        return app.get(k);
      }
    }
    return null;
  }

  /** Arguments given as a list, or as one string split at spaces (quotes keep a word together). */
  static List<String> words(JsonNode value) {
    List<String> words = new ArrayList<>();
    if (value == null || value.isNull()) {
      return words;
    }
    if (value.isArray()) {
      value.forEach(v -> words.add(v.asText()));
      return words;
    }
    Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(value.asText());
    while (m.find()) {
      words.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
    }
    return words;
  }
}
