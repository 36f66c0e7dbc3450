package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.ClusterSpec;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The size of requests and answers between nodes: the config check (an app's max-body plus
 * {@link ClusterSpec#requestRoom}) and the sizes the front and the worker's node check at run time
 * agree, so a request the config allows is never refused as too large to travel.
 */
class RemoteMessageSizeTest {
  @Test
  void aRequestAtMaxBodyWithTheLargestHeadFitsTheMessageTheConfigAllows() {
    DroverSettings s = ConfigLoader.parse(
        "drover.cluster.enabled = on\ndrover.apps.web { command = [\"x\"], max-body = 2000000 }\n", "size.conf", Path.of("."));
    long maxMessage = s.cluster().maxMessage();
    assertEquals(2L * 1024 * 1024, maxMessage);
    long room = ClusterSpec.requestRoom(s.http());
    assertTrue(2_000_000 + room <= maxMessage, "the app's max-body passed the check");

    // the longest request line and a header block of the largest size, as many short headers
    String uri = "/" + "u".repeat(s.http().maxInitialLine() - 20);
    List<String> headers = new ArrayList<>();
    for (int used = 0; used + 6 <= s.http().maxHeaderSize(); used += 6) {
      headers.add("h");
      headers.add("v"); // "h: v\r\n"
    }
    Remote.Serve serve = new Remote.Serve("POST", uri, headers, new byte[2_000_000], 1, null);
    assertTrue(serve.messageBytes() <= maxMessage, serve.messageBytes() + " > " + maxMessage);
  }

  @Test
  void anAnswerLargerThanOneMessageFailsAsLost() {
    Remote.Answer small = new Remote.Answer(7, 200, List.of("content-type", "text/plain"), new byte[1000], List.of(), null, null);
    assertSame(small, small.within(64 * 1024));

    Remote.Answer large = new Remote.Answer(7, 200, List.of(), new byte[70 * 1024], List.of(), null, null);
    Remote.Answer lost = large.within(64 * 1024);
    assertEquals(7, lost.id());
    assertEquals(WorkerFailure.LOST, lost.failure());
    assertTrue(lost.detail().contains("answer of 71680 bytes, larger than one message between nodes carries"), lost.detail());

    Remote.Answer failed = Remote.Answer.failed(7, WorkerFailure.TIMED_OUT, "within 5ms");
    assertSame(failed, failed.within(1));
    assertNull(small.failure());
  }

  @Test
  void headersCountAsUtf8() {
    Remote.Serve ascii = new Remote.Serve("GET", "/", List.of("x", "aa"), new byte[0], 1, null);
    Remote.Serve latin = new Remote.Serve("GET", "/", List.of("x", "éé"), new byte[0], 1, null);
    Remote.Serve cjk = new Remote.Serve("GET", "/", List.of("x", "日本"), new byte[0], 1, null);
    assertEquals(2, latin.messageBytes() - ascii.messageBytes());
    assertEquals(4, cjk.messageBytes() - ascii.messageBytes());
  }
}
