package io.drover.http.front;

import io.drover.supervisor.config.CapacitySpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An app's worker slots and its one FIFO queue at the front (route.max-concurrency and
 * route.queue). A request takes a slot of the least busy worker below its limit (round-robin
 * among equals; a sticky key's own worker) or waits; a slot that frees goes to the first waiting
 * request that may use it, on that request's event loop. Event loops of every core share it: its
 * state changes under its lock, which a request takes twice (admit, release) and only on apps with
 * a limit.
 *
 * <p>A request also waits while every worker in rotation is out for now (refusing connections,
 * ejected): the queue's timeout bounds the wait, as for a busy app.
 */
final class AppQueue {
  /** What became of a request that asked for a slot. */
  enum Admission {
    /** It holds a slot of {@link Waiter#endpoint}. */
    GRANTED,
    /** It waits; {@link Waiter#granted} gets the slot later. */
    QUEUED,
    /** The queue is full. */
    FULL,
    /** No worker in rotation could ever take it (it tried them all): the failure policy answers. */
    NONE
  }

  /** A request waiting for a slot (one per exchange, kept across its attempts). */
  static final class Waiter {
    final ProxyHandler conn;
    final Exchange exchange;
    /** Only this node's workers may take it (a WebSocket, a body too large to travel as a message). */
    boolean localOnly;
    String key;
    /** When it began to wait (System.nanoTime). */
    long since;
    /** The slot it was given. */
    volatile Endpoint endpoint;

    Waiter(ProxyHandler conn, Exchange exchange) {
      this.conn = conn;
      this.exchange = exchange;
    }

    /** Hands it its slot on its own connection's event loop: at once when that is this thread. */
    void granted() {
      io.netty.util.concurrent.EventExecutor loop = conn.ctx.executor();
      if (loop.inEventLoop()) {
        conn.granted(this);
        return;
      }
      try {
        loop.execute(() -> conn.granted(this));
      } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
        // the front is stopping: its connections close, and nobody waits for this one
      }
    }

    /** Whether it may be given a slot of {@code e}. */
    boolean mayUse(Endpoint e) {
      return Balancer.eligible(e, exchange.tried) && !(localOnly && e.remote);
    }
  }

  private volatile CapacitySpec capacity;
  private Endpoint[] endpoints = new Endpoint[0];
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private volatile int depth;
  private int turn;

  AppQueue(CapacitySpec capacity) {
    this.capacity = capacity;
  }

  CapacitySpec capacity() {
    return capacity;
  }

  boolean limited() {
    return capacity.limited();
  }

  /** Requests waiting now. */
  int depth() {
    return depth;
  }

  /** New limits (a config applied at run time): slots a higher limit opens go to the waiting at once. */
  void configure(CapacitySpec c) {
    this.capacity = c;
    grantAndDispatch(null);
  }

  /** The app's endpoints in rotation changed: slots a new or returning worker opens go to the waiting. */
  void rotation(Endpoint[] now) {
    synchronized (this) {
      endpoints = now;
    }
    grantAndDispatch(null);
  }

  /** A worker may take requests again (it accepts connections, its ejection ended). */
  void poke() {
    grantAndDispatch(null);
  }

  /**
   * Asks for a slot for {@code w}. FIFO: those waiting are served first; a slot left after them
   * (one none of them may use: a sticky key's worker, a worker they tried) goes to {@code w}.
   */
  Admission admit(Waiter w) {
    List<Waiter> grants = null;
    Admission result;
    synchronized (this) {
      if (!waiting.isEmpty()) {
        grants = grantAll();
      }
      Endpoint e = pick(w);
      if (e != null) {
        take(w, e);
        result = Admission.GRANTED;
      } else if (!couldServe(w)) {
        result = Admission.NONE;
      } else if (waiting.size() >= capacity.queueLength()) {
        result = Admission.FULL;
      } else {
        w.since = System.nanoTime();
        w.endpoint = null;
        if (w.exchange.tried.isEmpty()) {
          waiting.addLast(w);
        } else {
          waiting.addFirst(w); // a retry has waited its turn already
        }
        result = Admission.QUEUED;
      }
      depth = waiting.size();
    }
    if (grants != null) {
      grants.forEach(Waiter::granted);
    }
    return result;
  }

  /** Gives the slot back; the first waiting request that may use a slot now gets one. */
  void release(Endpoint e) {
    if (!capacity.limited() && depth == 0) {
      e.inFlight.decrementAndGet();
      return;
    }
    grantAndDispatch(e);
  }

  /** Takes {@code w} out of the queue; false when it was not waiting (it was granted, and will be told). */
  boolean cancel(Waiter w) {
    synchronized (this) {
      boolean removed = waiting.remove(w);
      depth = waiting.size();
      return removed;
    }
  }

  private void grantAndDispatch(Endpoint released) {
    List<Waiter> grants;
    synchronized (this) {
      if (released != null) {
        released.inFlight.decrementAndGet();
      }
      grants = grantAll();
      depth = waiting.size();
    }
    if (grants != null) {
      grants.forEach(Waiter::granted);
    }
  }

  /** Gives free slots to waiting requests in order; the caller holds the lock. */
  private List<Waiter> grantAll() {
    List<Waiter> grants = null;
    for (Iterator<Waiter> it = waiting.iterator(); it.hasNext() && anyFree(); ) {
      Waiter w = it.next();
      Endpoint e = pick(w);
      if (e != null) {
        it.remove();
        take(w, e);
        if (grants == null) {
          grants = new ArrayList<>(2);
        }
        grants.add(w);
      }
    }
    return grants;
  }

  private void take(Waiter w, Endpoint e) {
    e.inFlight.incrementAndGet();
    w.endpoint = e;
  }

  private boolean anyFree() {
    for (Endpoint e : endpoints) {
      if (e.available() && free(e)) {
        return true;
      }
    }
    return false;
  }

  private boolean free(Endpoint e) {
    int limit = capacity.maxConcurrency();
    return limit <= 0 || e.inFlight.get() < limit(e, limit);
  }

  /** A worker in its slow start has a limit that grows from 1 to the full one over the slow-start time. */
  private int limit(Endpoint e, int full) {
    long slowStartNanos = capacity.slowStart().toNanos();
    if (slowStartNanos <= 0) {
      return full;
    }
    long age = System.nanoTime() - e.since;
    return age >= slowStartNanos ? full : Math.max(1, (int) Math.ceil(full * (age / (double) slowStartNanos)));
  }

  /** The endpoint {@code w} may take a slot of now, or null. */
  private Endpoint pick(Waiter w) {
    Endpoint[] eps = endpoints;
    if (w.key != null) {
      Endpoint own = Balancer.rendezvous(eps, w::mayUse, w.key);
      return own != null && free(own) ? own : null; // a sticky request waits for its own worker
    }
    int n = eps.length;
    if (n == 0) {
      return null;
    }
    int start = Math.floorMod(turn++, n);
    Endpoint best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Endpoint e = eps[(start + i) % n];
      int load = e.inFlight.get();
      if (load < bestLoad && free(e) && w.mayUse(e)) {
        best = e;
        bestLoad = load;
      }
    }
    return best;
  }

  /**
   * Whether some endpoint in rotation (busy, refusing or ejected for now) could take it. An app
   * with no worker in rotation at all (starting, or every worker gone) answers 503 at once, as
   * without a limit: a wait would most likely end in the same 503, only later.
   */
  private boolean couldServe(Waiter w) {
    for (Endpoint e : endpoints) {
      if (!e.draining && !(w.localOnly && e.remote) && !w.exchange.tried.contains(e)) {
        return true;
      }
    }
    return false;
  }
}
