package io.drover.node.onboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A PM2 ecosystem file's apps converted to one Drover config: each app's keys ({@link Pm2App}),
 * plus what only the whole file decides: the front's port (the first port an app listened on
 * under PM2) and which app it routes at "/" (the first that looks like an HTTP server, or the
 * only app). What did not map is in {@link #notes()}. An app's relative {@code cwd} is taken
 * from the ecosystem file's directory (PM2 takes it from where {@code pm2 start} runs, usually
 * there).
 */
final class Pm2Import {
  private final List<String> notes = new ArrayList<>();
  private final String hocon;

  /**
   * @param root the file's content (an object with apps, an array of apps, or one app)
   * @param source the file, for the header and for resolving the apps' cwd
   * @param outputDir the directory the config will live in: cwds are written relative to it
   * @param envName --env NAME, or null
   */
  Pm2Import(JsonNode root, Path source, Path outputDir, String envName) throws EcosystemFile.Unreadable {
    JsonNode list = apps(root, source);
    Path sourceDir = source.toAbsolutePath().normalize().getParent();
    List<Pm2App> apps = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int index = 0;
    for (JsonNode app : list) {
      index++;
      if (!app.isObject() || !(app.hasNonNull("script") || app.hasNonNull("exec"))) {
        notes.add("apps[" + (index - 1) + "]: skipped: an app needs a script");
        continue;
      }
      String script = app.hasNonNull("script") ? app.get("script").asText() : app.get("exec").asText();
      String pm2Name = app.hasNonNull("name") ? app.get("name").asText() : null;
      String name = unique(pm2Name == null ? OneApp.appName(script) : OneApp.validName(pm2Name), names);
      if (pm2Name != null && !name.equals(pm2Name)) {
        notes.add(name + ": name: PM2's \"" + pm2Name + "\" renamed (an app name is [a-z0-9][a-z0-9_-]*, unique)");
      }
      Path cwd = sourceDir.resolve(app.path("cwd").asText(".")).normalize();
      apps.add(new Pm2App(app, name, relative(outputDir, cwd), envName));
    }
    if (apps.isEmpty()) {
      throw new EcosystemFile.Unreadable(source + ": no app with a script to convert");
    }
    hocon = render(apps, source);
    root.fieldNames().forEachRemaining(key -> {
      if (root.isObject() && !key.equals("apps") && !(root.has("script") || root.has("exec"))) {
        notes.add(key.equals("deploy")
            ? "deploy: not mapped: Drover does not ship code (pm2 deploy); copy it, then drover apply FILE"
            : key + ": not mapped: Drover has no such setting");
      }
    });
  }

  String hocon() {
    return hocon;
  }

  List<String> notes() {
    return notes;
  }

  private static JsonNode apps(JsonNode root, Path source) throws EcosystemFile.Unreadable {
    if (root != null && root.isArray()) {
      return root;
    }
    if (root != null && root.isObject() && root.has("apps")) {
      JsonNode apps = root.get("apps");
      return apps.isArray() ? apps : EcosystemFile.JSON.createArrayNode().add(apps);
    }
    if (root != null && root.isObject() && (root.has("script") || root.has("exec"))) {
      return EcosystemFile.JSON.createArrayNode().add(root);
    }
    throw new EcosystemFile.Unreadable(source + ": not a PM2 ecosystem file: expected an object with apps"
        + " (module.exports = { apps: [{ name, script, ... }] }), found "
        + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
  }

  private String render(List<Pm2App> apps, Path source) {
    List<String> out = new ArrayList<>();
    out.add("# Converted from the PM2 ecosystem file " + source.getFileName() + " by drover import.");
    out.add("# Check it: drover validate FILE; run it: drover run FILE. Every key: docs/config.md.");
    out.add("drover {");
    Pm2App routed = apps.stream().filter(a -> a.http).findFirst().orElse(apps.size() == 1 ? apps.get(0) : null);
    Integer port = apps.stream().map(a -> a.port).filter(p -> p != null).findFirst().orElse(null);
    if (port != null) {
      out.add("  # The front listens where the app listened under PM2, and shares requests among the workers.");
      out.add("  http.port = " + port);
    }
    out.add("  apps {");
    for (Pm2App app : apps) {
      out.add("    " + Hocon.key(app.name) + " {");
      app.keys.forEach(k -> out.add("      " + k));
      if (app == routed) {
        out.add("      route.prefix = \"/\"   # the front sends every request here");
      } else if (app.http) {
        notes.add(app.name + ": not routed: the front serves one app at /; give it a route.prefix or route.host");
      }
      boolean http = app.http || app == routed;
      String timeout = app.listenTimeout == null ? "" : ", timeout = " + app.listenTimeout;
      out.add(http
          ? "      readiness { type = tcp" + timeout + " }   # ready once its PORT accepts connections"
          : "      readiness.type = none   # ready once started: no sign it serves HTTP");
      out.add("    }");
      if (!http) {
        notes.add(app.name + ": readiness none, not routed: it shows no sign of serving HTTP (fork mode, no port);"
            + " if it does, give it route.prefix and readiness.type = tcp");
      }
      if (app.port != null && !app.port.equals(port)) {
        notes.add(app.name + ": port " + app.port + ": the front has one port (" + port + "); route the app by prefix or host");
      }
      notes.addAll(app.notes);
    }
    out.add("  }");
    out.add("}");
    return String.join("\n", out) + "\n";
  }

  private static String unique(String name, Set<String> taken) {
    String candidate = name;
    for (int i = 2; !taken.add(candidate); i++) {
      candidate = name + "-" + i;
    }
    return candidate;
  }

  /** {@code dir} relative to {@code base} when inside it, else absolute. */
  private static String relative(Path base, Path dir) {
    Path b = base.toAbsolutePath().normalize();
    if (!dir.startsWith(b)) {
      return dir.toString();
    }
    String rel = b.relativize(dir).toString();
    return rel.isEmpty() ? "." : rel;
  }
}
