package io.drover.supervisor.config;

import static io.drover.supervisor.config.FuzzHarness.*;
import static io.drover.supervisor.config.FuzzSchema.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated texts that are not configurations or barely are: binary data (random bytes, NUL, bad
 * UTF-8, UTF-16, Latin-1), refused as not text at the line of the first bad byte; mutated valid
 * files and token soup, valid by accident or not, that load or fail with nothing but problems
 * passing {@link FuzzHarness#checkProblems}. The companion of {@link ConfigFuzzTest}, with the same
 * seed.
 */
class ConfigTextFuzzTest {
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
  Arbitrary<Placed> placedValues() {
    return FuzzSchema.placedValues();
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
    List<ConfigProblem> problems = parse(spoiled, "api", dir);
    assertEquals(1, problems.size());
    assertEquals(1 + base.substring(0, at).chars().filter(c -> c == '\n').count(), problems.get(0).line());
    assertTrue(problems.get(0).found().startsWith("binary data"));
  }

  @Provide
  Arbitrary<Placed> asciiValues() {
    return FuzzSchema.asciiValues();
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
    List<ConfigProblem> problems = parse(text, "soup.conf", dir);
    Statistics.label("outcome").collect(problems.isEmpty() ? "accepted" : "rejected");
  }

  @Provide
  Arbitrary<List<String>> tokenSoup() {
    return Arbitraries.of(TOKENS).list().ofMinSize(1).ofMaxSize(60);
  }
}
