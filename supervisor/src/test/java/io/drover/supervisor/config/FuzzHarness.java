package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.FuzzSchema.Layout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the config fuzz tests ({@link ConfigFuzzTest}, {@link ConfigFilesFuzzTest}, {@link
 * ConfigTextFuzzTest}) share: loading a case and the checks every outcome passes (settings, or a
 * {@link ConfigException} whose every problem names the file, a line when one is known, and the
 * key, as defined in {@link #checkProblems}), and writing a case's file into the temporary
 * directory each test class makes and deletes.
 */
final class FuzzHarness {
  /** The seed every property runs with, so a run is reproducible. */
  static final String SEED = "20261126";

  /**
   * What a problem without a key may be about: the text as a whole (it cannot be read, is not
   * UTF-8, is not HOCON, its includes cycle or are missing, its substitutions fail). Anything
   * about a setting names the setting's key.
   */
  static final Set<String> TEXT_LEVEL =
      Set.of(
          Sources.HOCON_FILE,
          Sources.TEXT,
          "valid HOCON syntax",
          "includes without a cycle",
          "an include of an existing file (or an optional include without required(...))",
          "substitutions that resolve to a value",
          "substitutions that resolve",
          "a valid configuration");

  private FuzzHarness() {}

  /** A new temporary directory for a test class's files, holding a copy of the valid fixtures. */
  static Path createDirectory() throws IOException {
    Path dir = Files.createTempDirectory("drover-config-fuzz");
    // the valid fixtures, beside their includes and classpath entries, for the mutations
    try (Stream<Path> files = Files.walk(ConfigLoaderTest.VALID)) {
      for (Path f : files.toList()) {
        Path target = dir.resolve("valid").resolve(ConfigLoaderTest.VALID.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return dir;
  }

  /** Deletes what {@link #createDirectory} made, and checks nothing is left. */
  static void deleteDirectory(Path dir) throws IOException {
    deleteTree(dir);
    assertFalse(Files.exists(dir), dir + " left behind");
  }

  /**
   * Loads {@code file}: settings (an empty list) or its problems, checked by {@link
   * #checkProblems}; anything else thrown fails the test.
   *
   * @param lines the line count of every file a problem may name, keyed by that name
   */
  static List<ConfigProblem> load(Path file, Map<String, Integer> lines) {
    try {
      ConfigLoader.load(file);
      return List.of();
    } catch (ConfigException e) {
      checkProblems(e, lines);
      return e.problems();
    } catch (Throwable t) {
      throw new AssertionError("loading " + file + " threw " + t, t);
    }
  }

  /** Parses {@code text} as the apply API gets it, relative paths resolved against {@code baseDir}. */
  static List<ConfigProblem> parse(String text, String name, Path baseDir) {
    try {
      ConfigLoader.parse(text, name, baseDir);
      return List.of();
    } catch (ConfigException e) {
      checkProblems(e, Map.of(name, lineCount(text)));
      return e.problems();
    } catch (Throwable t) {
      throw new AssertionError("parsing threw " + t + " for:\n" + text, t);
    }
  }

  /**
   * What every problem holds: one line of text; a file that is the main file or one it includes,
   * named as given; not an internal error. A problem with a key has a line (the line of the key,
   * or of the nearest enclosing object written). A problem without a key is about the text as a
   * whole ({@link #TEXT_LEVEL}) and has a line too, except when the file itself cannot be read (a
   * missing file, a directory, a device).
   */
  static void checkProblems(ConfigException e, Map<String, Integer> lines) {
    assertFalse(e.problems().isEmpty());
    assertEquals(
        e.problems().stream().map(ConfigProblem::message).toList(),
        List.of(e.getMessage().split("\n", -1)));
    for (ConfigProblem p : e.problems()) {
      String message = p.message();
      assertFalse(message.contains("\n") || message.contains("\r"), message);
      assertTrue(lines.containsKey(p.file()), () -> "file not named as given: " + message + " " + lines.keySet());
      assertFalse(p.found().startsWith("a configuration that could not be read"), message);
      assertTrue(p.line() <= lines.get(p.file()), () -> "line beyond the file's end: " + message);
      if (!p.key().isEmpty()) {
        assertTrue(p.line() >= 1, () -> "a key without a line: " + message);
      } else {
        assertTrue(TEXT_LEVEL.contains(p.expected()), () -> "a setting's problem without a key: " + message);
        if (!p.expected().equals(Sources.HOCON_FILE)) {
          assertTrue(p.line() >= 1, () -> "no line: " + message);
        }
      }
    }
  }

  static String outcome(boolean definite, List<ConfigProblem> problems) {
    return (definite ? "meant invalid, " : "odd value, ") + (problems.isEmpty() ? "accepted" : "rejected");
  }

  /** A file written by a case: its text, and the line of the generated statement. */
  record Written(Path path, String text, int statementLine) {
    Map<String, Integer> lines() {
      return Map.of(path.toString(), lineCount(text));
    }
  }

  /** Writes padding, {@code base} and {@code statement} (before or after it), more padding. */
  static Written writeCaseIn(Path in, String name, List<String> base, String statement, Layout layout) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < layout.padBefore(); i++) {
      lines.add(i % 2 == 0 ? "# generated" : "");
    }
    if (!layout.statementFirst()) {
      lines.addAll(base);
    }
    for (int i = 0; i < layout.padBetween(); i++) {
      lines.add(i % 2 == 0 ? "" : "// between");
    }
    int statementLine = lines.size() + 1;
    lines.add(statement);
    for (int i = 0; i < layout.padBetween(); i++) {
      lines.add("");
    }
    if (layout.statementFirst()) {
      lines.addAll(base);
    }
    String text = String.join("\n", lines) + "\n";
    try {
      return new Written(Files.writeString(in.resolve(name), text), text, statementLine);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int lineCount(String text) {
    return (int) text.chars().filter(c -> c == '\n').count() + 1;
  }

  static String quote(Path path) {
    return Reader.quoteText(path.toString());
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
