package io.drover.supervisor.config;

import static io.drover.supervisor.config.FuzzHarness.*;
import static io.drover.supervisor.config.FuzzSchema.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
 * declares and unknown keys (here), missing and odd commands, include cycles and missing includes
 * ({@link ConfigFilesFuzzTest}), binary data, mutated valid files and token soup ({@link
 * ConfigTextFuzzTest}). Whatever the input, loading throws nothing but a {@link ConfigException},
 * and each of its problems names the file, a line when one is known, and the key, as defined in
 * {@link FuzzHarness#checkProblems}. Inputs generated to be invalid must be rejected at the key and
 * line they were written at; inputs that may be valid by accident are counted in the statistics as
 * accepted or rejected, never assumed rejected.
 *
 * <p>Each property runs with a fixed seed, so a run is reproducible. Files go to one temporary
 * directory per test class, deleted at its end. What the cases are made of is {@link FuzzSchema}.
 */
class ConfigFuzzTest {
  static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = FuzzHarness.createDirectory();
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    FuzzHarness.deleteDirectory(dir);
  }

  // ---------------------------------------------------------------------------------------------
  // 1. A wrong value at a known key

  @Provide
  Arbitrary<Layout> layouts() {
    return FuzzSchema.layouts();
  }

  @Provide
  Arbitrary<Placed> placedValues() {
    return FuzzSchema.placedValues();
  }

  @Property(
      tries = 450,
      seed = SEED,
      generation = GenerationMode.RANDOMIZED,
      edgeCases = EdgeCasesMode.NONE,
      afterFailure = AfterFailureMode.PREVIOUS_SEED,
      shrinking = ShrinkingMode.BOUNDED)
  void aWrongValueIsRefusedAtItsKeyAndLine(@ForAll("placedValues") Placed placed) {
    Written file = writeCaseIn(dir, "wrong.conf", base(placed), statement(placed), placed.layout());
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
        writeCaseIn(dir, "unknown.conf", base(false, ""), written + " = " + unknown.value(), unknown.layout());
    List<ConfigProblem> problems = load(file.path(), file.lines());
    Statistics.label("where").collect(unknown.parent().toString());
    assertEquals(1, problems.size(), () -> file.text() + "\n" + problems);
    ConfigProblem p = problems.get(0);
    assertEquals(key, p.key(), file::text);
    assertEquals(file.statementLine(), p.line(), file::text);
    assertTrue(p.found().startsWith("unknown key "), p::message);
  }

  // ---------------------------------------------------------------------------------------------
  // Regressions (bugs the properties found)

  @Example
  void homeSetToAnObjectIsReportedAtHome() {
    // was: "found Cannot concatenate object or list with a non-object-or-list ..." without a key
    for (String value : List.of("{}", "[]", "{ a = 1 }")) {
      List<ConfigProblem> problems = parse("# home\ndrover.home = " + value, "home.conf", dir);
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
      List<ConfigProblem> problems = parse(text, "size.conf", dir);
      assertEquals(1, problems.size(), value);
      assertEquals("drover.apps.web.logs.max-size", problems.get(0).key());
    }
    String memory = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.max-memory = 9223372036854775808";
    assertEquals("drover.apps.web.max-memory", parse(memory, "m.conf", dir).get(0).key());
    assertEquals(List.of(), parse(ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.logs.max-size = 2", "ok.conf", dir));
  }

  @Example
  void durationsBeyondWhatCanBeScheduledAreRefused() {
    // were accepted, then crashed the worker's actor when its timer started (readiness.timeout)
    for (String value : List.of("300d", "1e300", "\"9223372036854775807d\"", "101d")) {
      String text = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.readiness.timeout = " + value;
      List<ConfigProblem> problems = parse(text, "d.conf", dir);
      assertEquals(1, problems.size(), value);
      assertEquals(Reader.DURATION_TOO_LONG, problems.get(0).expected());
    }
    String longest = ConfigLoaderTest.MINIMAL + "\ndrover.apps.web.restart.within = 100d";
    assertEquals(List.of(), parse(longest, "ok.conf", dir));
  }

  @Example
  void aTokenWithAControlCharacterIsRefused() {
    List<ConfigProblem> problems =
        parse("drover.management.token = \"0123456789abcdef\\u0000\"", "token.conf", dir);
    assertEquals(1, problems.size());
    assertEquals("drover.management.token", problems.get(0).key());
    assertEquals(ManagementReader.NO_CONTROL, problems.get(0).expected());
  }
}
