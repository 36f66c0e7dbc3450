package io.drover.node;

import io.drover.supervisor.AppEvent;
import io.drover.supervisor.DroverEvent;
import io.drover.supervisor.WorkerEvent;
import io.drover.supervisor.config.DroverSettings;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Prints one line per lifecycle change: time, worker, state, pid, port, why. */
final class ConsoleReporter {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

  private ConsoleReporter() {}

  static Behavior<DroverEvent> create(PrintWriter out, DroverSettings settings) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(DroverEvent.class, ctx.getSelf()));
          String apps =
              settings.appList().stream()
                  .map(a -> a.name() + " ×" + a.instances())
                  .collect(Collectors.joining(", "));
          out.println(
              "drover: running " + settings.apps().size() + " app(s)" + (apps.isEmpty() ? "" : " (" + apps + ")")
                  + settings.source().map(s -> " from " + s).orElse("") + "; logs in " + settings.logsDir()
                  + ". Ctrl-C stops.");
          out.printf("%-12s  %-14s %-9s %-8s %-6s %s%n", "time", "worker", "state", "pid", "port", "detail");
          out.flush();
          return Behaviors.receive(DroverEvent.class)
              .onMessage(WorkerEvent.class, e -> print(out, e))
              .onMessage(AppEvent.class, e -> print(out, e))
              .onMessage(io.drover.supervisor.RouteEvent.class, e -> print(out, e))
              .build();
        });
  }

  private static Behavior<DroverEvent> print(PrintWriter out, WorkerEvent e) {
    out.printf(
        "%-12s  %-14s %-9s %-8s %-6s %s%n",
        TIME.format(e.at()),
        e.worker(),
        e.state().label(),
        e.pid() == 0 ? "-" : Long.toString(e.pid()),
        e.port() == 0 ? "-" : Integer.toString(e.port()),
        e.detail());
    out.flush();
    return Behaviors.same();
  }

  private static Behavior<DroverEvent> print(PrintWriter out, AppEvent e) {
    out.printf("%-12s  %-14s %-9s %-8s %-6s %s%n", TIME.format(e.at()), e.app(), "app:" + e.state().label(), "", "", e.detail());
    out.flush();
    return Behaviors.same();
  }

  private static Behavior<DroverEvent> print(PrintWriter out, io.drover.supervisor.RouteEvent e) {
    out.printf("%-12s  %-14s %-9s %-8s %-6s %s%n", TIME.format(e.at()), e.worker(),
        e.inRotation() ? "returned" : "ejected", "", "", e.detail());
    out.flush();
    return Behaviors.same();
  }

}
