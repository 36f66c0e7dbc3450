package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover events [APP]}: every lifecycle change from now on, until Ctrl-C. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = {
      "Print every lifecycle change from now on, until Ctrl-C.",
      "One line per change of a worker or an app (time, worker, state, pid, port, detail);"
          + " --json prints each event's JSON instead."
    },
    footer = Exit.FOOTER)
public final class EventsCommand extends ApiCommand {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
  private static final String ROW = "%-12s  %-14s %-9s %-8s %-6s %s%n";

  @Parameters(arity = "0..1", paramLabel = "APP", description = "only this app's events")
  String app;

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    PrintWriter out = out();
    Sse sse =
        new Sse(
            (type, data) -> {
              JsonNode e;
              try {
                e = Json.read(data);
              } catch (Exception ex) {
                e = null;
              }
              if (app != null && (e == null || !app.equals(e.path("app").asText()))) {
                return true;
              }
              if (api.json || e == null) {
                out.println(data);
              } else {
                String kind = e.path("type").asText(type);
                boolean worker = kind.equals("worker");
                boolean route = kind.equals("route"); // the front took a worker out of rotation, or back
                out.printf(
                    ROW,
                    time(e.path("at").asText("")),
                    worker ? e.path("app").asText("?") + "-" + e.path("instance").asText("?")
                        : route ? e.path("worker").asText("?") : e.path("app").asText("?"),
                    worker ? e.path("state").asText("?")
                        : route ? (e.path("inRotation").asBoolean() ? "returned" : "ejected") : "app:" + e.path("state").asText("?"),
                    worker ? dash(e.path("pid").asLong()) : "",
                    worker ? dash(e.path("port").asLong()) : "",
                    Cli.oneLine(e.path("detail").asText(""), 300)
                        + (worker && e.path("restarts").asInt() > 0 ? " (restarts " + e.path("restarts").asInt() + ")" : ""));
              }
              out.flush();
              return !out.checkError();
            });
    client.stream(
        "/events",
        () -> {
          if (!api.json) { // once connected: every change from here on is printed
            out.printf(ROW, "time", "worker", "state", "pid", "port", "detail");
            out.flush();
          }
        },
        sse::line);
    if (out.checkError()) {
      return Exit.OK; // our reader went away (| head)
    }
    error("the node at " + client.base() + " ended the event stream");
    return Exit.OK;
  }

  private static String time(String at) {
    try {
      return TIME.format(Instant.parse(at));
    } catch (RuntimeException e) {
      return at;
    }
  }

  private static String dash(long n) {
    return n == 0 ? "-" : Long.toString(n);
  }
}
