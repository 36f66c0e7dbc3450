package io.drover.supervisor.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a key of the user's configuration was written: file and line, looked up in the user's
 * own parse (before defaults were merged in, so a line never points into reference.conf). A key
 * the user did not write is placed at the nearest enclosing object the user did write.
 */
final class Origins {
  private final ConfigObject userRoot;
  private final String mainName;
  private final Path mainDir;
  private final Path givenDir;

  /**
   * @param userRoot the user's parsed (unresolved) configuration, or null when none was parsed
   * @param mainName the main file as the user named it, or the origin name of a parsed string
   * @param mainDir absolute directory of the main file, or null when parsed from a string
   * @param givenDir that directory as the user named it (null for the working directory)
   */
  Origins(ConfigObject userRoot, String mainName, Path mainDir, Path givenDir) {
    this.userRoot = userRoot;
    this.mainName = mainName;
    this.mainDir = mainDir;
    this.givenDir = givenDir;
  }

  String mainName() {
    return mainName;
  }

  /** A problem at {@code path}, placed at the line of the deepest part of it the user wrote. */
  ConfigProblem problem(List<String> path, String found, String expected) {
    String file = mainName;
    int line = 0;
    ConfigValue current = userRoot;
    if (current != null) {
      file = fileOf(current.origin());
      line = current.origin().lineNumber();
    }
    for (String segment : path) {
      ConfigValue next = child(current, segment);
      if (next == null) {
        break;
      }
      current = next;
      if (next.origin().lineNumber() > 0) {
        file = fileOf(next.origin());
        line = next.origin().lineNumber();
      }
    }
    return new ConfigProblem(file, line, ConfigUtil.joinPath(path), found, expected);
  }

  /** A problem without a key, e.g. a syntax error at a parse exception's origin. */
  ConfigProblem problem(ConfigOrigin origin, String found, String expected) {
    if (origin == null) {
      return new ConfigProblem(mainName, 0, "", found, expected);
    }
    return new ConfigProblem(fileOf(origin), origin.lineNumber(), "", found, expected);
  }

  /** Whether the user wrote {@code path} (in the main file or one it includes). */
  boolean userSet(List<String> path) {
    ConfigValue current = userRoot;
    for (String segment : path) {
      current = child(current, segment);
      if (current == null) {
        return false;
      }
    }
    return current != null;
  }

  /** The file of an origin, named as the user would: the main file as given, includes beside it. */
  String fileOf(ConfigOrigin origin) {
    if (origin.filename() != null) {
      return display(origin.filename());
    }
    if (origin.url() != null) {
      return origin.url().toString();
    }
    if (origin.resource() != null) {
      return origin.resource();
    }
    return mainName;
  }

  private String display(String filename) {
    try {
      Path path = Path.of(filename);
      if (mainDir != null && path.isAbsolute() && path.startsWith(mainDir)) {
        Path relative = mainDir.relativize(path);
        return givenDir == null ? relative.toString() : givenDir.resolve(relative).toString();
      }
    } catch (InvalidPathException e) {
      // not a path we can shorten; show it as Typesafe Config named it
    }
    return filename;
  }

  private static ConfigValue child(ConfigValue parent, String key) {
    if (!(parent instanceof ConfigObject object)) {
      return null;
    }
    try {
      return object.get(key);
    } catch (com.typesafe.config.ConfigException e) {
      return null; // an unresolved merge (e.g. `web = ${base} {...}`): stop at the parent
    }
  }
}
