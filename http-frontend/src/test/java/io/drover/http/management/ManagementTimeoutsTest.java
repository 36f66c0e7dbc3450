package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.drover.http.front.FrontHarnessAccess;
import io.drover.http.front.RawHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pekko HTTP's server idle-timeout counts a connection as idle when no byte moves either way,
 * whether or not a request is in progress: an operation that answers when done (a rolling
 * restart) on a silent connection loses its answer, the connection reset, once it takes longer
 * than idle-timeout; the operation itself goes on. Hence a node's idle-timeout is set above its
 * request-timeout (docs/api.md, Limits), which bounds every operation's answer.
 */
class ManagementTimeoutsTest {
  static final Duration IDLE = Duration.ofSeconds(4);
  static final Duration SLACK = Duration.ofMillis(1_500);
  /** How long the slow app's replacement worker takes to listen: well past the idle-timeout. */
  static final Duration SLOW_READY = Duration.ofSeconds(8);
  static final ActorTestKit kit = ActorTestKit.create(ConfigFactory
      .parseString("pekko.http.server { idle-timeout = " + IDLE.toMillis() + "ms\n request-timeout = 60s }")
      .withFallback(ConfigFactory.load()));
  static final ObjectMapper json = new ObjectMapper();
  static FrontHarnessAccess node;
  static ManagementServer api;

  @BeforeAll
  static void start() throws Exception {
    node = FrontHarnessAccess.start(kit,
        "quick { command = [\"node\", \"$WEB\"], route.prefix = \"/quick\" }\n"
            + "slow { command = [\"node\", \"$WEB\"], env.READY_DELAY_MS = \"" + SLOW_READY.toMillis() + "\", route.prefix = \"/slow\" }");
    api = TestApi.start(kit, node, Optional.empty());
    node.awaitReady("quick", 1);
    node.awaitReady("slow", 1);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      api.stop(Duration.ofSeconds(1));
      node.close();
    } finally {
      kit.shutdownTestKit();
    }
  }

  static String restart(String app) {
    return "POST /apps/" + app + "/restart HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
  }

  static JsonNode worker(String app) throws Exception {
    RawHttp.Answer a = RawHttp.exchange(api.port(), "GET /apps/" + app + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
    assertEquals(200, a.status(), a.toString());
    return json.readTree(a.text()).get("workers").get(0);
  }

  @Test
  void aRestartShorterThanTheIdleTimeoutIsAnswered() throws Exception {
    long pid = worker("quick").get("pid").asLong();
    RawHttp.Answer a = RawHttp.exchange(api.port(), restart("quick"), IDLE.plusSeconds(10));
    System.out.printf("restart of a quick app answered %d after %d ms (idle-timeout %d ms)%n", a.status(), a.millis(), IDLE.toMillis());
    assertEquals(200, a.status(), a.toString());
    assertTrue(a.text().contains("\"completed\":true"), a.toString());
    assertNotEquals(pid, worker("quick").get("pid").asLong(), "the worker was replaced");
  }

  @Test
  void aRestartLongerThanTheIdleTimeoutLosesItsAnswerOnASilentConnection() throws Exception {
    long pid = worker("slow").get("pid").asLong();
    long start = System.nanoTime();
    String outcome;
    try {
      RawHttp.Answer a = RawHttp.exchange(api.port(), restart("slow"), SLOW_READY.plusSeconds(20));
      outcome = "answered " + a;
    } catch (IOException e) {
      outcome = "cut: " + e;
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("restart of an app %d ms slow to be ready, idle-timeout %d ms: %s after %d ms%n",
        SLOW_READY.toMillis(), IDLE.toMillis(), outcome, millis);
    assertTrue(outcome.startsWith("cut: "), outcome);
    assertTrue(millis >= IDLE.toMillis() - 100 && millis <= IDLE.plus(SLACK).toMillis(), "cut after " + millis + " ms");
    // the restart itself goes on: the replacement becomes ready and takes over
    long deadline = System.nanoTime() + SLOW_READY.plusSeconds(20).toNanos();
    JsonNode w = worker("slow");
    while (System.nanoTime() < deadline && (w.get("pid").asLong() == pid || !w.get("state").asText().equals("ready"))) {
      Thread.sleep(200);
      w = worker("slow");
    }
    assertNotEquals(pid, w.get("pid").asLong(), "the restart went on after its connection was cut: " + w);
    assertEquals("ready", w.get("state").asText(), w.toString());
  }
}
