package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The failure policy end to end, with real workers that drop a request's connection once its
 * body starts to arrive: an idempotent request whose body was kept goes to another worker, whole;
 * a POST, or a body too big to keep, is not sent twice.
 */
class FrontRetryTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static HttpResponse<String> send(FrontHarness h, String method, String path, int bytes) throws Exception {
    byte[] body = new byte[bytes];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i % 251);
    }
    return h.client.send(HttpRequest.newBuilder(h.uri(path)).method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double retries(FrontHarness h, String app) {
    Matcher m = Pattern.compile("drover_http_retries_total\\{app=\"" + app + "\"} ([0-9.]+)").matcher(h.registry.scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aPutWhoseWorkerDiesMidBodyReachesAnotherWorkerWhole() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("up", 2);
      for (int i = 0; i < 4; i++) { // round-robin: some start on instance 0, which drops them
        HttpResponse<String> r = send(h, "PUT", "/upload?die=0", 40 * 1024);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"bytes\":40960,") && r.body().contains("\"worker\":\"up-1\""), r.body());
      }
      assertTrue(retries(h, "up") >= 1, "instance 0 dropped at least one of them: " + retries(h, "up"));
    }
  }

  @Test
  void aPostOrABodyTooBigToKeepIsNotSentTwice() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("up", 2);
      HttpResponse<String> post = send(h, "POST", "/upload?die=all", 40 * 1024);
      assertEquals(502, post.statusCode(), post.body());
      assertTrue(post.body().startsWith("{\"status\":502,\"error\":\"worker failed: "), post.body());
      assertEquals(0, retries(h, "up"), "the POST was not retried");
      // every worker drops it: retried at most while its copy was kept, and answered 502, never hung
      HttpResponse<String> big = send(h, "PUT", "/upload?die=all", RequestBody.REPLAY_LIMIT + 64 * 1024);
      assertEquals(502, big.statusCode(), big.body());
    }
  }
}
