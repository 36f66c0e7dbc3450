package io.drover.supervisor;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A stop made of several parts (an app's workers, a node's apps) and who waits for it: each
 * waiter hears {@link Done} once the last part has stopped. Called only from its owner's actor.
 */
final class StopWaiters {
  private final List<ActorRef<Done>> waiting = new ArrayList<>();
  private int pending;

  /** {@code replyTo} waits for the stop; true when it is the only waiter (no stop was under way). */
  boolean add(ActorRef<Done> replyTo) {
    waiting.add(replyTo);
    return waiting.size() == 1;
  }

  /** The stop has {@code parts} parts still to stop; with none, the waiters hear at once. */
  void expect(int parts) {
    pending = parts;
    if (parts == 0) {
      reply();
    }
  }

  /** Whether parts of a stop are still to stop. */
  boolean pending() {
    return pending > 0;
  }

  /** A part stopped; true when it was the last (the waiters have heard). */
  boolean stopped() {
    if (pending > 0 && --pending == 0) {
      reply();
      return true;
    }
    return false;
  }

  private void reply() {
    waiting.forEach(r -> r.tell(Done.getInstance()));
    waiting.clear();
  }
}
