package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of one request on its way to a worker, across attempts. Chunks no worker connection
 * has taken yet wait in {@code unsent} (while a connection opens, or for a whole-message
 * transport until the body is complete); an idempotent request also keeps a copy of every chunk
 * up to {@link #REPLAY_LIMIT}, so that another worker can be sent the whole request after the
 * first one failed with it.
 */
final class RequestBody {
  /** Bodies of idempotent requests up to this size are kept so they can be retried. */
  static final int REPLAY_LIMIT = 64 * 1024;

  /** Allocated with the first chunk that waits (a bodiless request never needs it). */
  private ArrayDeque<HttpContent> unsent;
  private long unsentBytes;
  /** Copies of every chunk so far, while {@link #replayable}. */
  private List<HttpContent> kept;
  private long keptBytes;
  private boolean replayable;
  /** A streamed attempt took the unsent chunks: a later attempt needs the kept copies. */
  private boolean drained;
  private boolean complete;

  void start(boolean idempotent) {
    replayable = idempotent;
  }

  /** A chunk from the client: kept when replayable, and waits in unsent unless {@code direct}. */
  void add(HttpContent content, boolean direct) {
    int n = content.content().readableBytes();
    if (content instanceof LastHttpContent) {
      complete = true;
    }
    if (replayable && n > 0) {
      if (keptBytes + n <= REPLAY_LIMIT) {
        if (kept == null) {
          kept = new ArrayList<>(4);
        }
        kept.add(content.retainedDuplicate());
        keptBytes += n;
      } else {
        releaseKept(); // too big to keep: retried only if nothing was sent
        replayable = false;
      }
    }
    if (!direct) {
      if (unsent == null) {
        unsent = new ArrayDeque<>(4);
      }
      unsent.add(content);
      unsentBytes += n;
    }
  }

  /** Whether the whole request so far is kept for another attempt. */
  boolean replayable() {
    return replayable;
  }

  boolean complete() {
    return complete;
  }

  /** Bytes a whole-message transport would carry (what is unsent, or kept after a streamed attempt). */
  long size() {
    return drained ? keptBytes : unsentBytes;
  }

  /**
   * Writes what this attempt's worker connection must get before the chunks still to come: on
   * the first streamed attempt the unsent chunks, after one the kept copies (the policy retries
   * only replayable requests once something was sent).
   */
  void writeTo(Channel ch) {
    if (drained) {
      if (kept != null) {
        for (HttpContent c : kept) {
          ch.write(c.retainedDuplicate(), ch.voidPromise());
        }
      }
      boolean lastKept = kept != null && kept.get(kept.size() - 1) instanceof LastHttpContent;
      if (complete && !lastKept) {
        ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
      }
      releaseUnsent(); // their copies were among the kept ones
    } else if (unsent != null) {
      for (HttpContent c = unsent.poll(); c != null; c = unsent.poll()) {
        ch.write(c, ch.voidPromise());
      }
      unsentBytes = 0;
    }
    drained = true;
  }

  /** The body as one buffer for a whole-message transport (the chunks stay for another attempt). */
  ByteBuf gathered(ByteBufAllocator alloc) {
    CompositeByteBuf all = alloc.compositeBuffer(64);
    Iterable<HttpContent> parts = drained ? kept : unsent;
    if (parts == null) {
      return all;
    }
    for (HttpContent c : parts) {
      if (c.content().isReadable()) {
        all.addComponent(true, c.content().retainedDuplicate());
      }
    }
    return all;
  }

  /** Lets go of every chunk (the exchange ended). */
  void release() {
    releaseUnsent();
    releaseKept();
    replayable = false;
    drained = false;
    complete = false;
  }

  private void releaseUnsent() {
    if (unsent != null) {
      unsent.forEach(HttpContent::release);
      unsent.clear();
    }
    unsentBytes = 0;
  }

  private void releaseKept() {
    if (kept != null) {
      kept.forEach(HttpContent::release);
      kept = null;
    }
    keptBytes = 0;
  }
}
