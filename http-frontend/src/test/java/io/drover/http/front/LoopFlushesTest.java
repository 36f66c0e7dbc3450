package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** Flushes asked for during a pass of the loop happen once, together, when the pass's tasks run. */
class LoopFlushesTest {
  @Test
  void flushesWaitForTheLoopsTasksThenHappenOncePerChannel() {
    WrittenFlushesTest.Flushes countA = new WrittenFlushesTest.Flushes();
    WrittenFlushesTest.Flushes countB = new WrittenFlushesTest.Flushes();
    EmbeddedChannel a = new EmbeddedChannel(countA);
    EmbeddedChannel b = new EmbeddedChannel(countB);
    int atStartA = countA.seen;
    int atStartB = countB.seen;

    a.write(Unpooled.wrappedBuffer(new byte[] {1, 2}));
    LoopFlushes.later(a);
    LoopFlushes.later(a); // the answer's end, then its worker's read's end: one flush
    b.write(Unpooled.wrappedBuffer(new byte[] {3}));
    LoopFlushes.later(b);
    assertNull(a.readOutbound(), "not flushed during the pass");
    assertNull(b.readOutbound(), "not flushed during the pass");
    assertEquals(2, LoopFlushes.waiting());

    a.runPendingTasks(); // the pass's I/O is done: the loop runs its tasks
    assertEquals(atStartA + 1, countA.seen, "one flush of a");
    assertEquals(atStartB + 1, countB.seen, "one flush of b");
    assertEquals(0, LoopFlushes.waiting());
    ByteBuf outA = a.readOutbound();
    ByteBuf outB = b.readOutbound();
    assertEquals(2, outA.readableBytes());
    assertEquals(1, outB.readableBytes());
    outA.release();
    outB.release();

    a.write(Unpooled.wrappedBuffer(new byte[] {4}));
    LoopFlushes.later(a); // a later pass schedules its own flush
    a.runPendingTasks();
    assertEquals(atStartA + 2, countA.seen);
    ((ByteBuf) a.readOutbound()).release();
    a.finishAndReleaseAll();
    b.finishAndReleaseAll();
  }
}
