package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 flow control and limits as a client meets them on the wire (h2c with prior knowledge,
 * {@link H2Wire}): a stream its client does not read holds only its own window, streams past
 * {@code max-concurrent-streams} are refused one by one, and a header block past
 * {@code http.max-header-size} is answered 431 on its stream, not with the connection's end.
 */
class FrontHttp2LimitsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final int DEFAULT_WINDOW = 65_535;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** What came on each stream of one connection so far. */
  static final class Streams {
    final H2Wire wire;
    final Map<Integer, ByteArrayOutputStream> bodies = new HashMap<>();
    final Map<Integer, String> status = new HashMap<>();
    final Map<Integer, Integer> resets = new HashMap<>();
    final Map<Integer, Boolean> ended = new HashMap<>();
    H2Wire.Frame settings;
    boolean goAway;

    Streams(H2Wire wire) {
      this.wire = wire;
    }

    /** Reads frames until {@code done} holds (each read waits 15 s at most; 10,000 frames at most). */
    void until(Predicate<Streams> done) throws Exception {
      for (int frames = 0; frames < 10_000 && !done.test(this); frames++) {
        H2Wire.Frame f = wire.read();
        switch (f.type()) {
          case H2Wire.SETTINGS -> {
            if ((f.flags() & H2Wire.ACK) == 0) {
              settings = f;
            }
          }
          case H2Wire.HEADERS -> status.putIfAbsent(f.stream(), String.valueOf(wire.headers(f).status()));
          case H2Wire.DATA -> bodies.computeIfAbsent(f.stream(), s -> new ByteArrayOutputStream()).writeBytes(f.payload());
          case H2Wire.RST_STREAM -> resets.put(f.stream(), f.errorCode());
          case H2Wire.GOAWAY -> goAway = true;
          default -> { }
        }
        if (f.endStream() || f.type() == H2Wire.RST_STREAM) {
          ended.put(f.stream(), true);
        }
      }
      assertTrue(done.test(this), "the awaited frames came: status " + status + ", resets " + resets + ", ended " + ended);
    }

    int received(int stream) {
      ByteArrayOutputStream b = bodies.get(stream);
      return b == null ? 0 : b.size();
    }

    String body(int stream) {
      ByteArrayOutputStream b = bodies.get(stream);
      return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    boolean ended(int stream) {
      return ended.getOrDefault(stream, false);
    }
  }

  /**
   * A client that reads one stream's body no further (it sends that stream no WINDOW_UPDATE, only
   * the connection) gets the stream's first window of data and no more, while another stream on
   * the same connection is answered whole, and the front stops reading the worker's answer (the
   * worker's writes stand still short of half of it); when the client reads on, the stalled body
   * arrives whole.
   */
  @Test
  void aStreamItsClientDoesNotReadDoesNotStallTheOthers() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""), "http.http2.h2c = on\n");
        H2Wire wire = new H2Wire(h.server.port())) {
      h.awaitReady("web", 1);
      int mb = 32;
      wire.windowUpdate(0, 64 * 1024 * 1024); // the connection's window is no limit: only stream 1's is
      wire.get(1, "/download?mb=" + mb);
      Streams s = new Streams(wire);
      s.until(x -> x.received(1) >= DEFAULT_WINDOW);
      wire.get(3, "/");
      s.until(x -> x.ended(3));
      assertEquals("200", s.status.get(3));
      assertEquals("hello from web-0\n", s.body(3));
      int stream = 5;
      long handed = -1;
      for (int look = 0; look < 40; look++, stream += 2) { // until the worker's download stands still
        wire.get(stream, "/downloaded");
        int asked = stream;
        s.until(x -> x.ended(asked));
        long now = Long.parseLong(s.body(stream));
        if (now == handed) {
          break;
        }
        handed = now;
        Thread.sleep(100);
      }
      assertTrue(handed < mb * 1024 * 1024 / 2, "the front stopped reading the worker's answer: it handed " + handed + " bytes to its socket");
      assertEquals(DEFAULT_WINDOW, s.received(1), "stream 1 got its window and no more while unread");
      assertFalse(s.ended(1));
      wire.windowUpdate(1, mb * 1024 * 1024);
      s.until(x -> x.ended(1));
      assertEquals("200", s.status.get(1));
      assertEquals(mb * 1024 * 1024, s.received(1), "the rest came once the client read on");
      assertEquals(Map.of(), s.resets);
      assertFalse(s.goAway);
    }
  }

  /**
   * The front announces max-concurrent-streams in its SETTINGS; a stream opened beyond it is
   * refused (RST_STREAM REFUSED_STREAM: the client may send it again), the open ones are answered,
   * and once they are done a new stream is served on the same connection.
   */
  @Test
  void streamsPastMaxConcurrentStreamsAreRefusedAndTheOpenOnesServed() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        "http.http2 { h2c = on, max-concurrent-streams = 2 }\n");
        H2Wire wire = new H2Wire(h.server.port())) {
      h.awaitReady("web", 1);
      Streams s = new Streams(wire);
      s.until(x -> x.settings != null);
      assertEquals(2, H2Wire.setting(s.settings, 0x3), "SETTINGS_MAX_CONCURRENT_STREAMS");
      wire.get(1, "/slow?ms=1500");
      wire.get(3, "/slow?ms=1500");
      wire.get(5, "/");
      s.until(x -> x.ended(5));
      assertEquals(7, s.resets.get(5), "REFUSED_STREAM");
      assertFalse(s.ended(1) || s.ended(3), "the refusal came before the open streams' answers");
      s.until(x -> x.ended(1) && x.ended(3));
      assertEquals("slow from web-0", s.body(1));
      assertEquals("slow from web-0", s.body(3));
      wire.get(7, "/");
      s.until(x -> x.ended(7));
      assertEquals("hello from web-0\n", s.body(7));
      assertFalse(s.goAway);
    }
  }

  /**
   * A header block over {@code http.max-header-size} (but short of the connection's own bound)
   * ends that stream with 431 (Request Header Fields Too Large), reaches no worker, and leaves the
   * connection serving.
   */
  @Test
  void aHeaderBlockOverMaxHeaderSizeEndsItsStreamNotTheConnection() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        "http { max-header-size = 4K, http2.h2c = on }\n");
        H2Wire wire = new H2Wire(h.server.port())) {
      h.awaitReady("web", 1);
      Streams s = new Streams(wire);
      wire.get(1, "/echo", "x-big", "a".repeat(4_500));
      s.until(x -> x.ended(1));
      assertEquals("431", s.status.get(1), "status " + s.status + ", resets " + s.resets);
      assertEquals(0, s.received(1), "no worker's answer: " + s.body(1));
      wire.get(3, "/echo", "x-small", "b".repeat(1_000));
      s.until(x -> x.ended(3));
      assertEquals("200", s.status.get(3));
      assertTrue(s.body(3).contains("\"x-small\":\"" + "b".repeat(1_000) + "\""), s.body(3));
      assertFalse(s.goAway);
    }
  }
}
