package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** A flush reaches TLS only when something was written since the last one. */
class WrittenFlushesTest {
  /** Counts the flushes that pass it (where SslHandler sits in the front's pipeline). */
  static final class Flushes extends ChannelOutboundHandlerAdapter {
    int seen;

    @Override
    public void flush(ChannelHandlerContext ctx) {
      seen++;
      ctx.flush();
    }
  }

  @Test
  void aFlushWithNothingWrittenStopsAndOneAfterAWritePasses() {
    Flushes tls = new Flushes();
    EmbeddedChannel ch = new EmbeddedChannel(tls, new FrontPipelines.WrittenFlushes());
    int atStart = tls.seen;

    ch.flush();
    assertEquals(atStart, tls.seen, "nothing written: stopped");

    ch.write(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    ch.flush();
    assertEquals(atStart + 1, tls.seen, "written: passed");
    ByteBuf out = ch.readOutbound();
    assertEquals(3, out.readableBytes());
    out.release();

    ch.flush();
    assertEquals(atStart + 1, tls.seen, "the answer's second flush (the worker's read completed): stopped");

    ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {4}));
    assertEquals(atStart + 2, tls.seen, "the next answer: passed");
    ((ByteBuf) ch.readOutbound()).release();
    ch.finishAndReleaseAll();
  }
}
