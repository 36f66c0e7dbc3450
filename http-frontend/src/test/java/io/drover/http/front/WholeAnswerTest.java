package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What a worker's answer becomes on the fast path, and which answers it leaves to the decoder. */
class WholeAnswerTest {
  private static Object scan(String answer, boolean via) {
    ByteBuf in = Unpooled.copiedBuffer(answer, StandardCharsets.ISO_8859_1);
    try {
      Object r = WholeAnswer.scan(in, ByteBufAllocator.DEFAULT, "id-1", via);
      if (r instanceof WholeAnswer) {
        assertFalse(in.isReadable(), "the whole answer is read");
      } else {
        assertEquals(0, in.readerIndex(), "nothing read from an answer left to the decoder");
      }
      return r;
    } finally {
      in.release();
    }
  }

  private static String bytes(WholeAnswer a) {
    try {
      return a.content().toString(StandardCharsets.ISO_8859_1);
    } finally {
      a.release();
    }
  }

  @Test
  void aPlainAnswerLosesItsHopByHopHeadersAndGainsTheRequestsId() {
    Object r = scan("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
        + "X-Request-Id: workers-own\r\nContent-Length: 5\r\nX-Other:  spaced value \r\n\r\nhello", false);
    WholeAnswer a = (WholeAnswer) r;
    assertEquals(200, a.status);
    assertEquals(5, a.bodyLength);
    assertTrue(a.workerKeepsAlive);
    assertEquals("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Other:  spaced value \r\n"
        + "x-request-id: id-1\r\n\r\nhello", bytes(a));
  }

  @Test
  void viaIsAddedOrExtendedAndAWorkersCloseIsNoted() {
    WholeAnswer a = (WholeAnswer) scan("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n", true);
    assertFalse(a.workerKeepsAlive);
    assertEquals("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nx-request-id: id-1\r\nvia: 1.1 drover\r\n\r\n", bytes(a));
    WholeAnswer b = (WholeAnswer) scan("HTTP/1.1 200\r\nVia: 1.0 cache\r\nContent-Length: 2\r\n\r\nok", true);
    assertEquals("HTTP/1.1 200\r\nContent-Length: 2\r\nx-request-id: id-1\r\nvia: 1.0 cache, 1.1 drover\r\n\r\nok", bytes(b));
    WholeAnswer c = (WholeAnswer) scan("HTTP/1.1 200 OK\r\nVia: 1.0 cache\r\nContent-Length: 2\r\n\r\nok", false);
    assertEquals("HTTP/1.1 200 OK\r\nVia: 1.0 cache\r\nContent-Length: 2\r\nx-request-id: id-1\r\n\r\nok", bytes(c));
  }

  @Test
  void onlyTheFirstAnswerIsTakenAndAPartOneWaits() {
    ByteBuf in = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n", StandardCharsets.ISO_8859_1);
    try {
      WholeAnswer a = (WholeAnswer) WholeAnswer.scan(in, ByteBufAllocator.DEFAULT, "id-1", false);
      assertTrue(bytes(a).endsWith("\r\n\r\na"));
      int at = in.readerIndex();
      assertSame(WholeAnswer.NEED_MORE, WholeAnswer.scan(in, ByteBufAllocator.DEFAULT, "id-2", false));
      assertEquals(at, in.readerIndex());
    } finally {
      in.release();
    }
    assertSame(WholeAnswer.NEED_MORE, scan("HTTP/1.", false));
    assertSame(WholeAnswer.NEED_MORE, scan("HTTP/1.1 200 OK\r\nContent-Le", false));
    assertSame(WholeAnswer.NEED_MORE, scan("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r", false));
  }

  @Test
  void aStatusLineLongerThanTheDecodersLimitIsLeftToIt() {
    assertNull(scan("HTTP/1.1 200 " + "x".repeat(9000) + "\r\nContent-Length: 2\r\n\r\nok", false));
    assertTrue(scan("HTTP/1.1 200 " + "x".repeat(8000) + "\r\nContent-Length: 2\r\n\r\nok", false) instanceof WholeAnswer a
        && bytes(a).endsWith("\r\n\r\nok"));
  }

  /** Everything else is the decoder's: its own framing, other versions, odd heads, bodies not all there. */
  @ParameterizedTest
  @ValueSource(strings = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nends with the connection",
    "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "HTTP/1.1 205 Reset Content\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nConnection: x-secret\r\nX-Secret: 1\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-Bare: a\nb\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-Nul: a\u0000b\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nnot all",
    "HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\nlarge",
    "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  })
  void otherAnswersAreLeftToTheDecoder(String answer) {
    assertNull(scan(answer, false), answer);
  }
}
