package io.drover.supervisor.config;

import static io.drover.supervisor.config.FuzzSchema.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile and malformed configurations, generated: a wrong value at every key reference.conf
 * declares, unknown keys, missing and odd commands, include cycles and missing includes, binary
 * data, mutated valid files and token soup. Whatever the input, loading throws nothing but a
 * {@link ConfigException}, and each of its problems names the file, a line when one is known, and
 * the key, as defined in {@link #checkProblems}. Inputs generated to be invalid must be rejected at
 * the key and line they were written at; inputs that may be valid by accident are counted in the
 * statistics as accepted or rejected, never assumed rejected.
 *
 * <p>Each property runs with a fixed seed, so a run is reproducible. Files go to one temporary
 * directory, deleted at the end.
 */
class ConfigFuzzTest {
  static final String SEED = "20261126";
  static final String APP = "w";
  static final List<String> APP_PATH = List.of("drover", "apps", APP);
  static final List<String> DEFAULTS_PATH = List.of("drover", "app-defaults");
  static final String CLASS_NAME = "com.example.Fuzz";

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

  static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = Files.createTempDirectory("drover-config-fuzz");
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
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    deleteTree(dir);
    assertFalse(Files.exists(dir), dir + " left behind");
  }

  // ---------------------------------------------------------------------------------------------
  // 1. A wrong value at a known key

  /**
   * A value written at a key: on app {@code w} or in app-defaults for an app key, where the
   * reference puts it otherwise. {@code definite}: one of {@link #wrongValues}, so it must be
   * refused; otherwise one of {@link #ODD_VALUES}.
   */
  record Placed(
      Setting setting, boolean inDefaults, String value, boolean definite, Layout layout) {
    List<String> path() {
      if (!setting.appKey()) {
        return setting.path();
      }
      List<String> path = new ArrayList<>(inDefaults ? DEFAULTS_PATH : APP_PATH);
      path.addAll(setting.relative());
      return path;
    }
  }

  /** Where the statement goes among the other lines, and how it is written. */
  record Layout(int padBefore, boolean statementFirst, int padBetween, int form) {}

  @Provide
  Arbitrary<Layout> layouts() {
    return net.jqwik.api.Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.of(true, false),
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 2))
        .as(Layout::new);
  }

  @Provide
  Arbitrary<Placed> placedValues() {
    return Arbitraries.of(SETTINGS)
        .flatMap(
            setting -> {
              List<String> wrong = wrongValues(setting.type());
              Arbitrary<String> definite =
                  wrong.isEmpty() ? Arbitraries.of(ODD_VALUES) : Arbitraries.of(wrong);
              return net.jqwik.api.Combinators.combine(
                      Arbitraries.of(true, false),
                      Arbitraries.frequencyOf(
                          net.jqwik.api.Tuple.of(4, definite.map(v -> new Object[] {v, true})),
                          net.jqwik.api.Tuple.of(
                              1, Arbitraries.of(ODD_VALUES).map(v -> new Object[] {v, false}))),
                      layouts())
                  .as(
                      (inDefaults, value, layout) ->
                          new Placed(
                              setting,
                              inDefaults && setting.appKey(),
                              (String) value[0],
                              (Boolean) value[1] && !wrong.isEmpty(),
                              layout));
            });
  }

  @Property(
      tries = 450,
      seed = SEED,
      generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED,
      shrinking = ShrinkingMode.BOUNDED)
  void aWrongValueIsRefusedAtItsKeyAndLine(@ForAll("placedValues") Placed placed) {
    Written file = writeCase("wrong.conf", base(placed), statement(placed), placed.layout());
    List<ConfigProblem> problems = load(file.path(), file.lines());
    String key = ConfigUtil.joinPath(placed.path());
    Statistics.label("type").collect(placed.setting().type());
    Statistics.label("outcome").collect(outcome(placed.definite(), problems));
    if (!placed.definite()) {
      return;
    }
    assertFalse(problems.isEmpty(), "accepted: " + file.text());
    for (ConfigProblem p : problems) {
      assertEquals(key, p.key(), () -> "another key reported for " + file.text() + "\n" + p);
      assertEquals(file.statementLine(), p.line(), () -> file.text() + "\n" + p);
      assertEquals(file.path().toString(), p.file());
    }
  }

  /** The statement, written in one of three ways on one line. */
  static String statement(Placed placed) {
    List<String> path = placed.path();
    return switch (placed.layout().form()) {
      case 0 -> ConfigUtil.joinPath(path) + " = " + placed.value();
      case 1 -> ConfigUtil.joinPath(path) + ": " + placed.value();
      default -> {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < path.size() - 1; i++) {
          s.append(ConfigUtil.joinPath(path.get(i))).append(" { ");
        }
        s.append(ConfigUtil.joinPath(path.get(path.size() - 1))).append(" = ").append(placed.value());
        s.append(" }".repeat(path.size() - 1));
        yield s.toString();
      }
    };
  }

  /** The valid lines a placed value goes with: app {@code w} of the kind that reads the key. */
  static List<String> base(Placed placed) {
    Setting setting = placed.setting();
    return base(setting.actorOnly(), setting.appKey() ? setting.relative().get(0) : "");
  }

  /**
   * A valid file declaring app {@code w}: a process app, or with {@code actor} an actor app,
   * without its own {@code omit} key (so that a value written for it in app-defaults is used).
   */
  static List<String> base(boolean actor, String omit) {
    List<String> lines = new ArrayList<>();
    lines.add("drover {");
    lines.add("  apps." + APP + " {");
    if (actor) {
      lines.add("    kind = actor");
      if (!omit.equals("class")) {
        lines.add("    class = \"" + CLASS_NAME + "\"");
      }
    } else if (!omit.equals("command")) {
      lines.add("    command = [\"true\"]");
    }
    lines.add("  }");
    lines.add("}");
    return lines;
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Unknown keys

  /** An object whose keys the schema closes (all but env, config and apps), with its keys. */
  record Closed(List<String> path, Set<String> known) {
    @Override
    public String toString() {
      return path.isEmpty() ? "<top>" : ConfigUtil.joinPath(path);
    }
  }

  static final List<Closed> CLOSED = closedObjects();

  static List<Closed> closedObjects() {
    Config reference = ConfigLoaderTest.reference();
    List<Closed> closed = new ArrayList<>();
    closed.add(new Closed(List.of(), new TreeSet<>(ConfigLoader.TOP_LEVEL)));
    closed.add(new Closed(List.of("drover"), reference.getObject("drover").keySet()));
    for (Setting s : SETTINGS) {
      if (s.type() != Type.OBJECT || s.actorOnly()) {
        continue;
      }
      ConfigObject object = reference.getObject(ConfigUtil.joinPath(s.path()));
      if (object.isEmpty()) {
        continue; // env {} takes any key
      }
      if (s.path().equals(DEFAULTS_PATH)) {
        closed.add(new Closed(APP_PATH, object.keySet()));
      }
      closed.add(new Closed(s.path(), object.keySet()));
      if (s.appKey()) {
        List<String> onApp = new ArrayList<>(APP_PATH);
        onApp.addAll(s.relative());
        closed.add(new Closed(onApp, object.keySet()));
      }
    }
    return List.copyOf(closed);
  }

  record Unknown(Closed parent, String name, String value, Layout layout) {}

  static final List<String> ODD_NAMES =
      List.of(
          "", " ", "a.b", "ünïcödé", "${x}", "\t", "x".repeat(300), "Command", "KIND", "kind ",
          "-", "0", "include", "null", "true", "\\");

  @Provide
  Arbitrary<Unknown> unknownKeys() {
    return Arbitraries.of(CLOSED)
        .flatMap(
            parent -> {
              List<String> known = new ArrayList<>(parent.known());
              Arbitrary<String> typo =
                  net.jqwik.api.Combinators.combine(
                          Arbitraries.of(known),
                          Arbitraries.integers().between(0, 1000),
                          Arbitraries.integers().between(0, 3))
                      .as(ConfigFuzzTest::typo);
              Arbitrary<String> word =
                  Arbitraries.strings().withCharRange('a', 'z').withChars('-', '_').ofMinLength(1)
                      .ofMaxLength(12);
              Arbitrary<String> name =
                  Arbitraries.oneOf(typo, word, Arbitraries.of(ODD_NAMES))
                      .filter(n -> !parent.known().contains(n));
              return net.jqwik.api.Combinators.combine(
                      name,
                      Arbitraries.of("1", "\"x\"", "{}", "[]", "{ a = 1 }", "null", "on"),
                      layouts())
                  .as((n, v, layout) -> new Unknown(parent, n, v, layout));
            });
  }

  static String typo(String word, int at, int how) {
    StringBuilder s = new StringBuilder(word);
    int i = at % s.length();
    switch (how) {
      case 0 -> s.deleteCharAt(i);
      case 1 -> s.insert(i, s.charAt(i));
      case 2 -> {
        if (s.length() > 1) {
          int j = (i + 1) % s.length();
          char c = s.charAt(i);
          s.setCharAt(i, s.charAt(j));
          s.setCharAt(j, c);
        } else {
          s.append('x');
        }
      }
      default -> s.setCharAt(i, s.charAt(i) == 'z' ? 'a' : (char) (s.charAt(i) + 1));
    }
    return s.toString();
  }

  @Property(tries = 150, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void anUnknownKeyIsRefusedAtItsKeyAndLine(@ForAll("unknownKeys") Unknown unknown) {
    List<String> path = new ArrayList<>(unknown.parent().path());
    path.add(unknown.name());
    String key = ConfigUtil.joinPath(path);
    // the new key quoted, so that a name such as include is a key
    String written =
        (unknown.parent().path().isEmpty() ? "" : ConfigUtil.joinPath(unknown.parent().path()) + ".")
            + Reader.quoteText(unknown.name());
    Written file =
        writeCase("unknown.conf", base(false, ""), written + " = " + unknown.value(), unknown.layout());
    List<ConfigProblem> problems = load(file.path(), file.lines());
    Statistics.label("where").collect(unknown.parent().toString());
    assertEquals(1, problems.size(), () -> file.text() + "\n" + problems);
    ConfigProblem p = problems.get(0);
    assertEquals(key, p.key(), file::text);
    assertEquals(file.statementLine(), p.line(), file::text);
    assertTrue(p.found().startsWith("unknown key "), p::message);
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
    Written written = writeCase("app.conf", List.of(), line, layout);
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
  // 5. Binary data

  enum Binary {
    RANDOM_BYTES,
    NUL_IN_TEXT,
    INVALID_UTF8_IN_TEXT,
    UTF16,
    LATIN1
  }

  /** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, cut short, FF. */
  static final List<byte[]> NOT_UTF8 =
      List.of(
          new byte[] {(byte) 0x80},
          new byte[] {(byte) 0xC0, (byte) 0x80},
          new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
          new byte[] {(byte) 0xE2, (byte) 0x82},
          new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
          new byte[] {(byte) 0xFF},
          new byte[] {(byte) 0xFE, (byte) 0xFF},
          new byte[] {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80});

  @Property(tries = 150, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void binaryDataIsRefusedAsNotText(
      @ForAll Binary binary, @ForAll("randoms") Random random, @ForAll("asciiValues") Placed text)
      throws IOException {
    // an ASCII text (a generated case) to spoil
    String base = String.join("\n", base(text)) + "\n" + statement(text) + "\n";
    byte[] ascii = base.getBytes(StandardCharsets.UTF_8);
    assertEquals(base.length(), ascii.length, "the base text is ASCII");
    int at = random.nextInt(ascii.length + 1);
    int expectedLine = 1 + (int) base.substring(0, at).chars().filter(c -> c == '\n').count();
    byte[] bytes =
        switch (binary) {
          case RANDOM_BYTES -> {
            byte[] b = new byte[1 + random.nextInt(2048)];
            random.nextBytes(b);
            b[random.nextInt(b.length)] = (byte) (random.nextBoolean() ? 0xFF : 0x00);
            expectedLine = 0; // wherever the first bad byte falls
            yield b;
          }
          case NUL_IN_TEXT -> splice(ascii, at, new byte[] {0});
          case INVALID_UTF8_IN_TEXT -> splice(ascii, at, NOT_UTF8.get(random.nextInt(NOT_UTF8.size())));
          case UTF16 -> {
            expectedLine = 1;
            yield base.getBytes(
                random.nextBoolean() ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16);
          }
          case LATIN1 -> {
            String latin = base.substring(0, at) + "# café\n" + base.substring(at);
            expectedLine = 1 + (int) latin.substring(0, latin.indexOf('é')).chars().filter(c -> c == '\n').count();
            yield latin.getBytes(StandardCharsets.ISO_8859_1);
          }
        };
    Path file = Files.write(dir.resolve("binary.conf"), bytes);
    int lineCount = 1;
    for (byte b : bytes) {
      lineCount += b == '\n' ? 1 : 0;
    }
    List<ConfigProblem> problems = load(file, Map.of(file.toString(), lineCount));
    Statistics.label("kind").collect(binary);
    assertEquals(1, problems.size(), problems::toString);
    ConfigProblem p = problems.get(0);
    assertEquals("", p.key());
    assertEquals(Sources.TEXT, p.expected());
    assertTrue(p.found().startsWith("binary data"), p::message);
    if (expectedLine > 0) {
      assertEquals(expectedLine, p.line(), p::message);
    }
  }

  /** A text holding NUL, given as a string (as the apply API gets it), is refused at its line. */
  @Property(tries = 30, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void nulInAParsedTextIsRefusedAtItsLine(
      @ForAll("placedValues") Placed text, @ForAll("randoms") Random random) {
    String base = String.join("\n", base(text)) + "\n" + statement(text) + "\n";
    int at = random.nextInt(base.length() + 1);
    String spoiled = base.substring(0, at) + '\0' + base.substring(at);
    List<ConfigProblem> problems = parse(spoiled, "api");
    assertEquals(1, problems.size());
    assertEquals(1 + base.substring(0, at).chars().filter(c -> c == '\n').count(), problems.get(0).line());
    assertTrue(problems.get(0).found().startsWith("binary data"));
  }

  @Provide
  Arbitrary<Placed> asciiValues() {
    return placedValues().filter(p -> p.value().chars().allMatch(c -> c < 128));
  }

  @Provide
  Arbitrary<Random> randoms() {
    return Arbitraries.longs().map(Random::new);
  }

  static byte[] splice(byte[] bytes, int at, byte[] insert) {
    byte[] out = new byte[bytes.length + insert.length];
    System.arraycopy(bytes, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // 6. Mutated valid files, 7. token soup: valid by accident or not, never anything but problems

  @Property(tries = 200, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void mutatedValidFilesLoadOrFailWithProblems(
      @ForAll("validFiles") String name, @ForAll("randoms") Random random) throws IOException {
    Path valid = dir.resolve("valid");
    String original = Files.readString(valid.resolve(name));
    StringBuilder s = new StringBuilder(original);
    for (int edits = 1 + random.nextInt(4); edits > 0; edits--) {
      mutate(s, random);
    }
    String text = s.toString();
    Path file = Files.writeString(valid.resolve("mutated.conf"), text);
    Map<String, Integer> lines = new HashMap<>();
    lines.put(file.toString(), lineCount(text));
    lines.put(valid.resolve("more-apps.conf").toString(), lineCount(Files.readString(valid.resolve("more-apps.conf"))));
    List<ConfigProblem> problems = load(file, lines);
    Statistics.label("outcome")
        .collect(text.equals(original) ? "unchanged" : problems.isEmpty() ? "accepted" : "rejected");
  }

  @Provide
  Arbitrary<String> validFiles() {
    return Arbitraries.of("full.conf", "actor.conf");
  }

  static void mutate(StringBuilder s, Random random) {
    if (s.length() == 0) {
      s.append('{');
      return;
    }
    int at = random.nextInt(s.length());
    String hostile = "{}[]=:,\"$ 0-\n#/\\.\u0000é\t+";
    switch (random.nextInt(7)) {
      case 0 -> s.deleteCharAt(at);
      case 1 -> s.insert(at, s.charAt(at));
      case 2 -> {
        if (at + 1 < s.length()) {
          char c = s.charAt(at);
          s.setCharAt(at, s.charAt(at + 1));
          s.setCharAt(at + 1, c);
        }
      }
      case 3 -> s.insert(at, hostile.charAt(random.nextInt(hostile.length())));
      case 4 -> {
        int end = s.indexOf("\n", at);
        s.delete(at, end < 0 ? s.length() : end); // cut to the end of the line
      }
      case 5 -> {
        for (int i = at; i < s.length(); i++) {
          if (Character.isDigit(s.charAt(i))) {
            s.replace(i, i + 1, random.nextBoolean() ? "9223372036854775808" : "-1");
            break;
          }
        }
      }
      default -> {
        int start = at == 0 ? 0 : s.lastIndexOf("\n", at - 1) + 1;
        int end = s.indexOf("\n", at);
        String line = s.substring(start, end < 0 ? s.length() : end);
        s.insert(start, line + "\n"); // the line twice
      }
    }
  }

  static final List<String> TOKENS =
      List.of(
          "{", "}", "[", "]", "=", ":", ",", "\n", " ", "\"", "${", "${?", "}", "include ",
          "required(", "file(", ")", "#", "//", "drover", "apps", "web", ".", "command", "\"x\"",
          "1", "1e300", "-", "null", "true", "+=", "\"\"\"", "\\", "pekko", "app-defaults",
          "drover.apps.web.command = [x]\n");

  @Property(tries = 100, seed = SEED, generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void tokenSoupParsesOrFailsWithProblems(
      @ForAll("tokenSoup") List<String> tokens) {
    String text = String.join("", tokens);
    List<ConfigProblem> problems = parse(text, "soup.conf");
    Statistics.label("outcome").collect(problems.isEmpty() ? "accepted" : "rejected");
  }

  @Provide
  Arbitrary<List<String>> tokenSoup() {
    return Arbitraries.of(TOKENS).list().ofMinSize(1).ofMaxSize(60);
  }

  // ---------------------------------------------------------------------------------------------
  // Regressions (bugs the properties found)

  @Example
  void homeSetToAnObjectIsReportedAtHome() {
    // was: "found Cannot concatenate object or list with a non-object-or-list ..." without a key
    for (String value : List.of("{}", "[]", "{ a = 1 }")) {
      List<ConfigProblem> problems = parse("# home\ndrover.home = " + value, "home.conf");
      assertEquals(1, problems.size(), problems::toString);
      assertEquals("drover.home", problems.get(0).key());
      assertEquals(2, problems.get(0).line());
    }
  }

  @Example
  void sizesThatAreFractionsOrBeyondALongAreRefused() {
    // were taken as 1 byte and as 2^63-1 bytes
    for (String value : List.of("1.5", "1e300", "9223372036854775808", "\"99999999999999999999\"")) {
      String text = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.logs.max-size = " + value;
      List<ConfigProblem> problems = parse(text, "size.conf");
      assertEquals(1, problems.size(), value);
      assertEquals("drover.apps.web.logs.max-size", problems.get(0).key());
    }
    String memory = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.max-memory = 9223372036854775808";
    assertEquals("drover.apps.web.max-memory", parse(memory, "m.conf").get(0).key());
    assertEquals(List.of(), parse(ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.logs.max-size = 2", "ok.conf"));
  }

  @Example
  void durationsBeyondWhatCanBeScheduledAreRefused() {
    // were accepted, then crashed the worker's actor when its timer started (readiness.timeout)
    for (String value : List.of("300d", "1e300", "\"9223372036854775807d\"", "101d")) {
      String text = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.readiness.timeout = " + value;
      List<ConfigProblem> problems = parse(text, "d.conf");
      assertEquals(1, problems.size(), value);
      assertEquals(Reader.DURATION_TOO_LONG, problems.get(0).expected());
    }
    String longest = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.restart.within = 100d";
    assertEquals(List.of(), parse(longest, "ok.conf"));
  }

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

  @Example
  void aTokenWithAControlCharacterIsRefused() {
    List<ConfigProblem> problems =
        parse("drover.management.token = \"0123456789abcdef\\u0000\"", "token.conf");
    assertEquals(1, problems.size());
    assertEquals("drover.management.token", problems.get(0).key());
    assertEquals(ManagementReader.NO_CONTROL, problems.get(0).expected());
  }

  // ---------------------------------------------------------------------------------------------
  // Loading and the checks every outcome passes

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

  static List<ConfigProblem> parse(String text, String name) {
    try {
      ConfigLoader.parse(text, name, dir);
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

  static Written writeCase(String name, List<String> base, String statement, Layout layout) {
    return writeCaseIn(dir, name, base, statement, layout);
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
