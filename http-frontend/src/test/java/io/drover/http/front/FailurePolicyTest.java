package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.WorkerFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The failure policy is the table in docs/front.md: every row is checked, and the rows cover every case once. */
class FailurePolicyTest {
  static final Path DOC = Path.of("../docs/front.md");

  /** One case of the table: a row with its "any" columns expanded. */
  record Case(String row, WorkerFailure failure, boolean answerBegun, boolean kept, int retriesLeft, String expected) {}

  static List<Case> cases() throws IOException {
    String doc = Files.readString(DOC);
    String table = doc.substring(doc.indexOf("<!-- failure-policy-table -->"), doc.indexOf("<!-- /failure-policy-table -->"));
    List<Case> cases = new ArrayList<>();
    for (String line : table.lines().toList()) {
      String[] cells = line.split("\\|");
      if (cells.length < 6 || cells[1].isBlank() || cells[1].trim().equals("failure") || cells[1].trim().startsWith("---")) {
        continue;
      }
      String failure = cells[1].trim();
      String expected = cells[5].trim();
      for (WorkerFailure f : WorkerFailure.values()) {
        for (boolean begun : new boolean[] {false, true}) {
          for (boolean kept : new boolean[] {false, true}) {
            for (int left : new int[] {0, 1}) {
              if ((failure.equals("any") || failure.equals(f.name())) && matches(cells[2], begun) && matches(cells[3], kept)
                  && matches(cells[4], left > 0)) {
                cases.add(new Case(line.trim(), f, begun, kept, left, expected));
              }
            }
          }
        }
      }
    }
    return cases;
  }

  private static boolean matches(String cell, boolean value) {
    String c = cell.trim();
    return c.equals("any") || c.equals(value ? "yes" : "no");
  }

  static Stream<Arguments> rows() throws IOException {
    return cases().stream().map(c -> Arguments.of(c.failure() + (c.answerBegun() ? ", answer begun" : "")
        + (c.kept() ? ", kept" : "") + ", retries left " + c.retriesLeft(), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decidesAsTheTableSays(String name, Case c) {
    FailurePolicy.Decision d = FailurePolicy.decide(c.failure(), c.answerBegun(), c.kept(), c.retriesLeft(), "what happened");
    String expected = c.expected();
    if (expected.startsWith("cut")) {
      assertEquals(FailurePolicy.CUT, d, c.row());
    } else if (expected.startsWith("retry")) {
      assertEquals(FailurePolicy.RETRY, d, c.row());
    } else {
      int status = Integer.parseInt(expected.substring(0, 3));
      FailurePolicy.Respond r = assertRespond(d, c.row());
      assertEquals(status, r.status(), c.row());
      assertTrue(r.error().endsWith("what happened"), "the body says what happened: " + r.error());
      String words = expected.substring(expected.indexOf(':') + 1).replaceAll("\\(.*\\)", "").trim();
      assertTrue(r.error().startsWith(words), "the body starts with \"" + words + "\": " + r.error());
    }
  }

  private static FailurePolicy.Respond assertRespond(FailurePolicy.Decision d, String row) {
    assertTrue(d instanceof FailurePolicy.Respond, row + " -> " + d);
    return (FailurePolicy.Respond) d;
  }

  @Test
  void theTableCoversEveryCaseExactlyOnce() throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    for (Case c : cases()) {
      seen.merge(c.failure() + "/" + c.answerBegun() + "/" + c.kept() + "/" + c.retriesLeft(), 1, Integer::sum);
    }
    assertEquals(WorkerFailure.values().length * 2 * 2 * 2, seen.size(), "cases covered: " + seen.keySet());
    seen.forEach((k, n) -> assertEquals(1, n, k + " is in more than one row"));
  }
}
