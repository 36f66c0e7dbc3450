package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One fixture per config error under {@code config/invalid}: each file starts with the exact
 * messages it must produce, one {@code # expect: } line per problem, in the order reported. In
 * expectations the fixture's file name stands alone (the loader names it as given, with its
 * directory) and {@code {dir}} stands for the fixtures' absolute directory.
 */
class InvalidConfigTest {
  static final Path DIR = Path.of("src/test/resources/config/invalid");
  static final String EXPECT = "# expect: ";

  static Stream<Path> fixtures() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(f -> f.toString().endsWith(".conf")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void reportsExactlyTheExpectedProblems(Path fixture) throws IOException {
    List<String> expected = expectations(fixture);
    assertFalse(expected.isEmpty(), fixture + " has no '" + EXPECT + "' line");

    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(fixture));

    List<String> actual =
        e.problems().stream()
            .map(ConfigProblem::message)
            .map(m -> m.replace(DIR.toAbsolutePath().toString(), "{dir}"))
            .map(m -> m.replace(DIR + "/", ""))
            .toList();
    assertEquals(expected, actual);
  }

  @Test
  void thereIsAFixtureForEachKindOfError() throws IOException {
    assertTrue(fixtures().count() >= 24);
  }

  @Test
  void severalErrorsInDifferentAppsAreReportedAtOnce() throws IOException {
    List<String> expected = expectations(DIR.resolve("several-errors.conf"));
    assertEquals(5, expected.size());
    for (String app : List.of("web", "api", "worker")) {
      assertTrue(expected.stream().anyMatch(m -> m.contains("drover.apps." + app + ".")), app);
    }
  }

  /** The expectation lines at the top of a fixture (read as bytes: some fixtures are binary). */
  static List<String> expectations(Path fixture) throws IOException {
    String text = new String(Files.readAllBytes(fixture), StandardCharsets.ISO_8859_1);
    return text.lines()
        .takeWhile(line -> line.startsWith(EXPECT))
        .map(line -> line.substring(EXPECT.length()))
        .map(line -> new String(line.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
        .toList();
  }
}
