package io.drover.node;

import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.DroverSettings;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The root of a node's actor tree: the supervisor and the console. */
final class NodeGuardian {
  private static final AtomicInteger exitStatus = new AtomicInteger();

  interface Command {}

  /** Stops every worker of every app; replies when all have exited. */
  record StopWorkers(ActorRef<Done> replyTo) implements Command {}

  static int exitStatus() {
    return exitStatus.get();
  }

  static Behavior<Command> create(DroverSettings settings, PrintWriter out) {
    return Behaviors.setup(
        ctx -> {
          ctx.spawn(ConsoleReporter.create(out, settings), "console");
          ActorRef<Supervisor.Command> supervisor = ctx.spawn(Supervisor.create(settings), "supervisor");
          ctx.watch(supervisor);
          return Behaviors.receive(Command.class)
              .onMessage(
                  StopWorkers.class,
                  m -> {
                    supervisor.tell(new Supervisor.StopAll(m.replyTo()));
                    return Behaviors.same();
                  })
              .onSignal(
                  ChildFailed.class,
                  failed -> {
                    ctx.getLog().error("the supervisor failed: {}", failed.getCause().toString());
                    out.println("drover: cannot run: " + rootMessage(failed.getCause()));
                    out.flush();
                    exitStatus.set(1);
                    return Behaviors.stopped();
                  })
              .build();
        });
  }

  private static String rootMessage(Throwable t) {
    StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      sb.append(": ").append(c.getMessage());
    }
    return sb.toString();
  }
}
