package io.drover.supervisor;

import java.time.Instant;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * How a worker (process or actor) shows itself: registered with the receptionist under its app's
 * key only while ready, and every state change published on the event stream and told to its
 * app supervisor.
 */
final class WorkerPresence {
  // its own logger: the actor's (context.getLog()) is named after its first caller
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkerPresence.class);
  private final ActorContext<WorkerCommand> context;
  private final WorkerSetup setup;
  private final String name;
  private boolean registered;

  WorkerPresence(ActorContext<WorkerCommand> context, WorkerSetup setup) {
    this.context = context;
    this.setup = setup;
    this.name = setup.spec().name() + "-" + setup.instance();
  }

  /** In rotation: whoever routes to the app now sees this worker. */
  void register() {
    context.getSystem().receptionist().tell(Receptionist.register(WorkerKeys.of(setup.spec().name()), context.getSelf()));
    registered = true;
  }

  /** Out of rotation (draining, failed, stopped); returns whether it was in rotation. */
  boolean deregister() {
    boolean was = registered;
    if (registered) {
      context.getSystem().receptionist().tell(Receptionist.deregister(WorkerKeys.of(setup.spec().name()), context.getSelf()));
      registered = false;
    }
    return was;
  }

  /** Publishes a state change: on the event stream, and to the app supervisor. */
  WorkerEvent changed(WorkerState to, long pid, int port, int restarts, String why, Instant startedAt) {
    WorkerEvent event = new WorkerEvent(Instant.now(), setup.spec().name(), setup.instance(), to, pid, port, restarts, why);
    log.debug("[{}] {}: {}", name, to.label(), why);
    context.getSystem().eventStream().tell(new EventStream.Publish<>(event));
    setup.parent().tell(new AppSupervisor.WorkerChanged(context.getSelf(), event, startedAt));
    return event;
  }
}
