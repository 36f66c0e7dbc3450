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
 * The body of one request on its way to a worker, across attempts. Chunks no worker has taken
 * yet wait in {@code unsent} (while a connection opens, or for a whole-message transport until
 * the body is complete); an idempotent request also keeps a copy of every chunk up to {@link
 * #REPLAY_LIMIT}, so that after a streamed attempt took the body, another worker can still be
 * sent the whole request ({@link #rewind}).
 */
final class RequestBody {
  /** Bodies of idempotent requests up to this size are kept so they can be retried. */
  static final int REPLAY_LIMIT = 64 * 1024;

  /** Allocated with the first chunk that waits (a bodiless request never needs it). */
  private ArrayDeque<HttpContent> unsent;
  private long unsentBytes;
  /** Copies of every chunk so far, while {@link #keeping}. */
  private List<HttpContent> kept;
  private long keptBytes;
  private boolean idempotent;
  private boolean keeping;
  /** A streamed attempt took the unsent chunks (and every chunk since goes to it directly). */
  private boolean drained;
  private boolean complete;

  void start(boolean idempotent) {
    this.idempotent = idempotent;
    this.keeping = idempotent;
  }

  /** A chunk from the client: kept when replayable, and waits in unsent unless {@code direct}. */
  void add(HttpContent content, boolean direct) {
    int n = content.content().readableBytes();
    if (content instanceof LastHttpContent) {
      complete = true;
    }
    if (keeping && n > 0) {
      if (keptBytes + n <= REPLAY_LIMIT) {
        if (kept == null) {
          kept = new ArrayList<>(4);
        }
        kept.add(content.retainedDuplicate());
        keptBytes += n;
      } else {
        releaseKept(); // too big to keep: once a streamed attempt took it, it is not sent again
        keeping = false;
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

  /**
   * Whether the whole request so far can be sent to another worker: the method is idempotent,
   * and no streamed attempt took the body, or its copy is kept.
   */
  boolean replayable() {
    return idempotent && (!drained || keeping);
  }

  boolean complete() {
    return complete;
  }

  /** Bytes a whole-message transport would carry. */
  long size() {
    return unsentBytes;
  }

  /**
   * Before another attempt (the policy retries only {@link #replayable} requests once a worker
   * took the body): the kept copies wait again as unsent chunks, as if nothing had been sent.
   */
  void rewind() {
    if (!drained) {
      return;
    }
    releaseUnsent();
    if (kept != null) {
      if (unsent == null) {
        unsent = new ArrayDeque<>(kept.size() + 1);
      }
      for (HttpContent c : kept) {
        unsent.add(c.retainedDuplicate());
      }
      unsentBytes = keptBytes;
    }
    boolean lastKept = kept != null && kept.get(kept.size() - 1) instanceof LastHttpContent;
    if (complete && !lastKept) {
      if (unsent == null) {
        unsent = new ArrayDeque<>(1);
      }
      unsent.add(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    drained = false;
  }

  /** Writes the chunks that wait to a streamed attempt's worker connection; later ones go to it directly. */
  void writeTo(Channel ch) {
    if (unsent != null) {
      for (HttpContent c = unsent.poll(); c != null; c = unsent.poll()) {
        ch.write(c, ch.voidPromise());
      }
    }
    unsentBytes = 0;
    drained = true;
  }

  /** The body as one buffer for a whole-message transport (the chunks stay for another attempt). */
  ByteBuf gathered(ByteBufAllocator alloc) {
    CompositeByteBuf all = alloc.compositeBuffer(64);
    if (unsent != null) {
      for (HttpContent c : unsent) {
        if (c.content().isReadable()) {
          all.addComponent(true, c.content().retainedDuplicate());
        }
      }
    }
    return all;
  }

  /** Lets go of every chunk (the exchange ended). */
  void release() {
    releaseUnsent();
    releaseKept();
    idempotent = false;
    keeping = false;
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
