package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.IoKind;
import org.junit.jupiter.api.Test;

/**
 * The front's transport falls back in order (io_uring, epoll, NIO) and sizes its loops by it:
 * every core with io_uring, half of them with epoll or NIO (bench/front-ab.sh measured why).
 */
class IoTransportTest {
  @Test
  void loopsByDefaultAreEveryCoreWithIoUringAndHalfOfThemOtherwise() {
    assertEquals(2, FrontServer.defaultLoops(IoTransport.IO_URING, 2));
    assertEquals(16, FrontServer.defaultLoops(IoTransport.IO_URING, 16));
    assertEquals(1, FrontServer.defaultLoops(IoTransport.EPOLL, 2));
    assertEquals(8, FrontServer.defaultLoops(IoTransport.EPOLL, 16));
    assertEquals(1, FrontServer.defaultLoops(IoTransport.EPOLL, 1));
    assertEquals(1, FrontServer.defaultLoops(IoTransport.NIO, 1));
  }

  @Test
  void aTransportNotAvailableFallsBackToTheNextAndNioIsAlwaysThere() {
    IoTransport picked = IoTransport.pick(IoKind.IO_URING);
    assertTrue(picked.kind.compareTo(IoKind.IO_URING) >= 0, "io_uring, or one after it: " + picked);
    assertEquals(IoTransport.NIO, IoTransport.pick(IoKind.NIO));
  }
}
