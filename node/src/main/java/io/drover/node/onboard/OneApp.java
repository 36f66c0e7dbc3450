package io.drover.node.onboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One app declared on the command line ({@code drover run -i 4 -- node app.js}, {@code drover
 * init}): rendered as the commented HOCON file {@code drover init} writes, which is also what
 * {@code drover run} loads, so both go through the same validation and defaults as any file.
 *
 * @param name the app's name
 * @param instances the config's {@code instances} value: a count or {@code cores}
 * @param command the program and its arguments
 * @param port the front's port, or null for the config's default
 * @param apiPort the management API's port, or null for the config's default
 */
public record OneApp(String name, String instances, List<String> command, Integer port, Integer apiPort) {
  /** The command {@code drover init} writes when given none. */
  public static final List<String> EXAMPLE_COMMAND = List.of("node", "app.js");

  public OneApp {
    command = List.copyOf(command);
  }

  /** The config, with a comment on each line a newcomer would change. */
  public String hocon(String header) {
    List<String> lines = new ArrayList<>();
    header.lines().forEach(l -> lines.add("# " + l));
    lines.add("# Every key, its meaning and default: supervisor/src/main/resources/reference.conf (docs/config.md).");
    lines.add("drover {");
    if (port != null) {
      lines.add("  # The front: takes HTTP requests on this port and shares them among the app's ready workers.");
      lines.add("  http.port = " + port);
    } else {
      lines.add("  # The front takes HTTP requests on http.port (reference.conf's default unless set here)");
      lines.add("  # and shares them among the app's ready workers.");
    }
    if (apiPort != null) {
      lines.add("  # The management API (drover status, scale, restart, logs; the dashboard).");
      lines.add("  management.port = " + apiPort);
    }
    lines.add("  apps {");
    lines.add("    " + Hocon.key(name) + " {");
    lines.add("      # The program and its arguments, run without a shell, in this file's directory (cwd).");
    lines.add("      # Each worker gets its own PORT in its environment and must listen on it.");
    lines.add("      command = " + Hocon.list(command));
    lines.add("      # How many workers run: a number, or \"cores\" for one per CPU.");
    lines.add("      instances = " + (instances.matches("\\d+") ? instances : Hocon.quote(instances)));
    lines.add("      # Which requests the front sends here: every path.");
    lines.add("      route.prefix = \"/\"");
    lines.add("      # A worker gets requests once its PORT accepts connections; not in time is a failed start.");
    lines.add("      # http probes a path instead: readiness { type = http, path = \"/health\" }");
    lines.add("      readiness.type = tcp");
    lines.add("      # A dead worker is started again (backoff, and a cool-down after too many restarts).");
    lines.add("      restart.policy = permanent");
    lines.add("    }");
    lines.add("  }");
    lines.add("}");
    return String.join("\n", lines) + "\n";
  }

  /**
   * PM2's instance count as the config's: {@code max} and 0 are one worker per CPU ({@code
   * cores}), -1 (or -n) is the CPU count less one (n), at least 1; a positive count stays.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static String instances(String pm2) {
    String v = pm2.strip().toLowerCase(Locale.ROOT);
    if (v.equals("max") || v.equals("cores") || v.equals("0")) {
      return "cores";
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 0) {
        return String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors() + n));
      }
      return String.valueOf(n);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "instances: found \"" + pm2 + "\", expected a number, max (one per CPU) or -1 (CPUs less one)");
    }
  }

  /**
   * The name PM2 would give: the script's file name without its extension ({@code app} for
   * {@code node app.js}), made a valid app name; {@code app} when nothing fits.
   */
  public static String nameFor(List<String> command) {
    String script = command.isEmpty() ? "" : command.get(0);
    for (String arg : command.subList(Math.min(1, command.size()), command.size())) {
      if (!arg.startsWith("-") && (arg.contains(".") || arg.contains("/"))) {
        script = arg;
        break;
      }
    }
    return appName(script);
  }

  /** A file name (without directory or extension) as a valid app name; {@code app} if none fits. */
  public static String appName(String path) {
    String base = path.replaceAll("/+$", "");
    base = base.substring(base.lastIndexOf('/') + 1);
    int dot = base.indexOf('.');
    if (dot > 0) {
      base = base.substring(0, dot);
    }
    return validName(base);
  }

  /** Any text as a valid app name: lower case, each run of other characters one "-"; {@code app} if none fits. */
  public static String validName(String text) {
    String name = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-").replaceAll("^[-_]+", "");
    return name.isEmpty() ? "app" : name;
  }
}
