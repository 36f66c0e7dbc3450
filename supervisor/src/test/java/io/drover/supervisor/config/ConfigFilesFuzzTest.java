package io.drover.supervisor.config;

import static io.drover.supervisor.config.FuzzHarness.*;
import static io.drover.supervisor.config.FuzzSchema.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated configurations that name files: missing and odd commands, paths that do not exist, and
 * include cycles, chains and missing includes, each refused at its file, key and line (or, where
 * the case is valid, accepted), with the checks of {@link FuzzHarness#checkProblems}. The
 * companion of {@link ConfigFuzzTest}, with the same seed.
 */
class ConfigFilesFuzzTest {
  static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = FuzzHarness.createDirectory();
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    FuzzHarness.deleteDirectory(dir);
  }

  @Provide
  Arbitrary<Layout> layouts() {
    return FuzzSchema.layouts();
  }

  @Provide
  Arbitrary<Placed> placedValues() {
    return FuzzSchema.placedValues();
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Missing and odd commands, paths that do not exist

  enum AppCase {
    NO_COMMAND(true),
    EMPTY_COMMAND(true),
    COMMAND_AS_STRING(true),
    EMPTY_ARGUMENT(true),
    NESTED_ARGUMENT(true),
    NULL_ARGUMENT(true),
    OBJECT_ARGUMENT(true),
    MISSING_CWD(true),
    CWD_IS_A_FILE(true),
    MISSING_CLASSPATH_ENTRY(true),
    CLASSPATH_ENTRY_NOT_A_JAR(true),
    ACTOR_WITHOUT_CLASS(true),
    BAD_APP_NAME(true),
    /** The program is looked up when a worker starts, so a missing one is a start failure. */
    MISSING_PROGRAM(false),
    /** Run without a shell: arguments are taken as they are. */
    ODD_ARGUMENTS(false),
    /** Drover creates its own directories at start. */
    MISSING_HOME(false);

    final boolean invalid;

    AppCase(boolean invalid) {
      this.invalid = invalid;
    }
  }

  @Property(tries = 120, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void missingAndOddCommandsAndPaths(
      @ForAll AppCase appCase,
      @ForAll("appNames") String name,
      @ForAll("layouts") Layout layout) throws IOException {
    Path file = Files.writeString(dir.resolve("file.txt"), "not a jar");
    Path missing = dir.resolve("no/such/dir");
    String app = "drover.apps." + ConfigUtil.joinPath(name);
    String key = "command";
    String line =
        switch (appCase) {
          case NO_COMMAND -> app + " { instances = 2 }";
          case EMPTY_COMMAND -> app + ".command = []";
          case COMMAND_AS_STRING -> app + ".command = \"node server.js\"";
          case EMPTY_ARGUMENT -> app + ".command = [\"node\", \"\"]";
          case NESTED_ARGUMENT -> app + ".command = [\"node\", [\"server.js\"]]";
          case NULL_ARGUMENT -> app + ".command = [null]";
          case OBJECT_ARGUMENT -> app + ".command = [{ program = node }]";
          case MISSING_CWD -> app + " { command = [\"true\"], cwd = " + quote(missing) + " }";
          case CWD_IS_A_FILE -> app + " { command = [\"true\"], cwd = " + quote(file) + " }";
          case MISSING_CLASSPATH_ENTRY ->
              app + " { kind = actor, class = A, classpath = [\"no/such.jar\"] }";
          case CLASSPATH_ENTRY_NOT_A_JAR ->
              app + " { kind = actor, class = A, classpath = [" + quote(file) + "] }";
          case ACTOR_WITHOUT_CLASS -> app + " { kind = actor }";
          case BAD_APP_NAME -> "drover.apps.\"Bad Name!\" { command = [\"true\"] }";
          case MISSING_PROGRAM -> app + ".command = [" + quote(missing.resolve("program")) + "]";
          case ODD_ARGUMENTS -> app + ".command = [\"true\", \" \", \"$(rm -rf /)\", \"é\", \";\"]";
          case MISSING_HOME -> "drover.home = " + quote(missing) + "\n" + app + ".command = [x]";
        };
    key =
        switch (appCase) {
          case MISSING_CWD, CWD_IS_A_FILE -> "cwd";
          case MISSING_CLASSPATH_ENTRY, CLASSPATH_ENTRY_NOT_A_JAR -> "classpath";
          case ACTOR_WITHOUT_CLASS -> "class";
          default -> key;
        };
    Written written = writeCaseIn(dir, "app.conf", List.of(), line, layout);
    List<ConfigProblem> problems = load(written.path(), written.lines());
    Statistics.label("case").collect(appCase, problems.isEmpty() ? "accepted" : "rejected");
    if (!appCase.invalid) {
      assertEquals(List.of(), problems, written::text);
      return;
    }
    String expectedKey =
        appCase == AppCase.BAD_APP_NAME
            ? "drover.apps.\"Bad Name!\""
            : ConfigUtil.joinPath(List.of("drover", "apps", name, key));
    assertFalse(problems.isEmpty(), written::text);
    for (ConfigProblem p : problems) {
      assertEquals(expectedKey, p.key(), written::text);
      assertEquals(written.statementLine(), p.line(), written::text);
    }
  }

  @Provide
  Arbitrary<String> appNames() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withCharRange('0', '9')
        .withChars('-', '_')
        .ofMinLength(1)
        .ofMaxLength(20)
        .filter(n -> ConfigLoader.APP_NAME.matcher(n).matches());
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Includes

  enum IncludeCase {
    CYCLE,
    REQUIRED_MISSING,
    REQUIRED_MISSING_FILE,
    REQUIRED_DIRECTORY,
    /** A plain include is optional in HOCON: a missing file is ignored (accepted). */
    OPTIONAL_MISSING,
    /** Likewise a plain include naming a directory. */
    OPTIONAL_DIRECTORY,
    WRONG_VALUE_IN_INCLUDED_FILE,
    SYNTAX_ERROR_IN_INCLUDED_FILE,
    CHAIN_TOO_DEEP
  }

  @Property(tries = 120, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void includesThatCycleOrAreMissingAreRefusedAtTheIncludeLine(
      @ForAll IncludeCase include,
      @ForAll("layouts") Layout layout,
      @ForAll("placedValues") Placed wrong,
      @ForAll("lengths") int length,
      @ForAll boolean nested) throws IOException {
    Path inc = dir.resolve("inc");
    deleteTree(inc);
    Files.createDirectories(inc.resolve("sub"));
    Map<String, Integer> lines = new LinkedHashMap<>();
    String target =
        switch (include) {
          case CYCLE, CHAIN_TOO_DEEP -> "\"f1.conf\"";
          case REQUIRED_MISSING -> "required(\"no-such.conf\")";
          case REQUIRED_MISSING_FILE -> "required(file(" + quote(inc.resolve("none.conf")) + "))";
          case REQUIRED_DIRECTORY -> "required(\"sub\")";
          case OPTIONAL_MISSING -> "\"no-such.conf\"";
          case OPTIONAL_DIRECTORY -> "\"sub\"";
          case WRONG_VALUE_IN_INCLUDED_FILE, SYNTAX_ERROR_IN_INCLUDED_FILE -> "required(\"f1.conf\")";
        };
    // a cycle of `length` files back to the main one, or a chain of 51 to 55 (no cycle)
    int chain = include == IncludeCase.CHAIN_TOO_DEEP ? 50 + length : length;
    for (int i = 1; i <= chain && (include == IncludeCase.CYCLE || include == IncludeCase.CHAIN_TOO_DEEP); i++) {
      String next =
          include == IncludeCase.CYCLE && i == chain ? "main.conf" : "f" + (i + 1) + ".conf";
      if (include == IncludeCase.CHAIN_TOO_DEEP && i == chain) {
        next = "end.conf";
      }
      String text = "# file " + i + "\ninclude \"" + next + "\"\n";
      Files.writeString(inc.resolve("f" + i + ".conf"), text);
      lines.put(inc.resolve("f" + i + ".conf").toString(), 3);
    }
    Written included = null;
    if (include == IncludeCase.WRONG_VALUE_IN_INCLUDED_FILE) {
      included =
          writeCaseIn(inc, "f1.conf", List.of(), statement(wrong), wrong.layout());
    } else if (include == IncludeCase.SYNTAX_ERROR_IN_INCLUDED_FILE) {
      included = writeCaseIn(inc, "f1.conf", List.of(), "drover.apps { w.command = [\"x\"", layout);
    }
    if (included != null) {
      lines.putAll(included.lines());
    }
    String statement = nested ? "drover { include " + target + " }" : "include " + target;
    Written main =
        writeCaseIn(
            inc,
            "main.conf",
            include == IncludeCase.WRONG_VALUE_IN_INCLUDED_FILE ? base(wrong) : base(false, ""),
            statement,
            layout);
    lines.putAll(main.lines());
    List<ConfigProblem> problems = load(main.path(), lines);
    String shape =
        include != IncludeCase.WRONG_VALUE_IN_INCLUDED_FILE
            ? ""
            : nested ? " (nested: keys under drover.drover)" : wrong.definite() ? "" : " (odd value)";
    Statistics.label("case").collect(include + shape, problems.isEmpty() ? "accepted" : "rejected");
    switch (include) {
      case OPTIONAL_MISSING, OPTIONAL_DIRECTORY -> assertEquals(List.of(), problems, main::text);
      case WRONG_VALUE_IN_INCLUDED_FILE -> {
        if (nested || !wrong.definite()) {
          // nested, the included keys are relative to drover: not the keys generated
          return;
        }
        assertFalse(problems.isEmpty(), included::text);
        for (ConfigProblem p : problems) {
          assertEquals(included.path().toString(), p.file(), p::message);
          assertEquals(included.statementLine(), p.line(), p::message);
          assertEquals(ConfigUtil.joinPath(wrong.path()), p.key(), p::message);
        }
      }
      case SYNTAX_ERROR_IN_INCLUDED_FILE -> {
        assertEquals(1, problems.size(), problems::toString);
        assertEquals(included.path().toString(), problems.get(0).file());
        assertEquals("", problems.get(0).key());
        assertEquals("valid HOCON syntax", problems.get(0).expected());
      }
      default -> {
        assertEquals(1, problems.size(), () -> main.text() + "\n" + problems);
        ConfigProblem p = problems.get(0);
        assertEquals(main.path().toString(), p.file(), p::message);
        assertEquals(main.statementLine(), p.line(), () -> main.text() + "\n" + p);
        assertEquals("", p.key());
        String found =
            include == IncludeCase.CYCLE || include == IncludeCase.CHAIN_TOO_DEEP
                ? "an include cycle"
                : "a missing include";
        assertTrue(p.found().startsWith(found), p::message);
      }
    }
  }

  @Provide
  Arbitrary<Integer> lengths() {
    return Arbitraries.integers().between(1, 5);
  }

  // ---------------------------------------------------------------------------------------------
  // Regressions (bugs the properties found)

  @Example
  void aMissingFileIncludeIsNamedAtItsLine() throws IOException {
    // was: line 0 and "found none.conf.conf: java.io.FileNotFoundException: ..."
    Path main = dir.resolve("file-include.conf");
    Path none = dir.resolve("none");
    Files.writeString(main, "# a\n\ninclude required(file(" + quote(none) + "))\n");
    List<ConfigProblem> problems = load(main, Map.of(main.toString(), 4));
    assertEquals(
        List.of(main + ":3: found a missing include " + Reader.quoteText(none.toString())
            + ", expected an include of an existing file (or an optional include without"
            + " required(...))"),
        problems.stream().map(ConfigProblem::message).toList());
  }

  @Example
  void anIncludeInsideAnObjectOnOneLineIsFoundAtThatLine() throws IOException {
    // was: line 0 (only lines starting with "include" were searched)
    Path main = dir.resolve("nested-include.conf");
    Files.writeString(main, "\ndrover { include required(\"no-such.conf\") }\n");
    List<ConfigProblem> problems = load(main, Map.of(main.toString(), 3));
    assertEquals(1, problems.size());
    assertEquals(2, problems.get(0).line());
  }

  @Example
  void aSyntaxErrorInAnIncludedFileNamesItAsTheMainFileIsNamed() throws IOException {
    // was: the absolute path of the included file, while other problems name it beside the main
    Path sub = Files.createDirectories(dir.resolve("named"));
    Files.writeString(sub.resolve("main.conf"), "include \"inc.conf\"\n");
    Files.writeString(sub.resolve("inc.conf"), "drover {\n  apps = [\n");
    Path relative = Path.of("").toAbsolutePath().relativize(sub.resolve("main.conf"));
    List<ConfigProblem> problems = load(relative, Map.of(relative.getParent().resolve("inc.conf").toString(), 3));
    assertEquals(relative.getParent().resolve("inc.conf").toString(), problems.get(0).file());
  }
}
