package io.drover.node.onboard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * deploy/systemd/drover.service (shipped in the jar) filled in for one config: its user, the
 * java, jar and config paths of this machine (absolute), and the PATH of the shell that asked,
 * so the workers' commands resolve as they did there (as {@code pm2 startup} does).
 */
final class SystemdUnit {
  static final String TEMPLATE = "drover.service";
  /** The template's paths, each replaced. */
  static final String JAVA = "/usr/bin/java";
  static final String JAR = "/opt/drover/drover-node.jar";
  static final String CONFIG = "/etc/drover/drover.conf";

  private SystemdUnit() {}

  static String template() throws IOException {
    try (InputStream in = SystemdUnit.class.getResourceAsStream(TEMPLATE)) {
      if (in == null) {
        throw new IOException("the unit template " + TEMPLATE + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * @param path the PATH the workers should see, or null to leave the template's (systemd's)
   * @throws IllegalStateException when the template no longer holds a line this fills in
   */
  static String render(String template, String user, Path java, Path jar, Path config, String path) {
    String unit = template;
    for (String[] swap : new String[][] {{JAVA, arg(java)}, {JAR, arg(jar)}, {CONFIG, arg(config)}}) {
      require(unit.contains(swap[0]), swap[0]);
      unit = unit.replace(swap[0], swap[1]);
    }
    List<String> lines = new ArrayList<>();
    lines.add("# Drover node running " + config + ", written by drover startup systemd from deploy/systemd/drover.service.");
    boolean userSet = false;
    for (String line : unit.split("\n", -1)) {
      if (line.startsWith("User=")) {
        lines.add("User=" + user);
        userSet = true;
      } else if (line.startsWith("Group=")) {
        lines.add("# Group: " + user + "'s primary group");
      } else {
        lines.add(line);
        if (line.startsWith("Environment=DROVER_HOME=") && path != null) {
          lines.add("# The PATH drover startup was run with: workers' commands (node, python3...) resolve as there.");
          lines.add("Environment=\"PATH=" + path.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
      }
    }
    require(userSet, "User=");
    return String.join("\n", lines);
  }

  /** A path as one word of a systemd command line: % and $ doubled, quoted when it holds spaces or quotes. */
  static String arg(Path p) {
    String s = p.toString().replace("%", "%%").replace("$", "$$"); // systemd's specifiers and variables
    return s.matches("[^\\s\"'\\\\]+") ? s : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void require(boolean found, String what) {
    if (!found) {
      throw new IllegalStateException("the unit template " + TEMPLATE + " has no " + what + " to fill in");
    }
  }
}
