package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover status [APP]}: every app and worker of the node, one row each. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show the node's apps and workers.",
      "One row per app (its state and why) and per worker: state, pid, port, uptime, restarts,"
          + " requests in flight, CPU (of its process tree, 100%% = one core; - for a worker without"
          + " a process), memory (RSS of its process tree, MiB) and why it is in its state."
    },
    footer = Exit.FOOTER)
public final class StatusCommand extends ApiCommand {
  @Parameters(arity = "0..1", paramLabel = "APP", description = "only this app")
  String app;

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r = client.get(app == null ? "/apps" : "/apps/" + Cli.seg(app));
    if (api.json) {
      printRaw(r.body());
      return Exit.OK;
    }
    JsonNode json = r.json();
    List<JsonNode> apps = new ArrayList<>();
    if (app == null) {
      json.path("apps").forEach(apps::add);
    } else {
      apps.add(json);
    }
    if (apps.isEmpty()) {
      out().println("no apps");
      return Exit.OK;
    }
    Cli.Table t = new Cli.Table();
    t.row("app", "instance", "state", "pid", "port", "uptime", "restarts", "in-flight", "cpu%", "rss(MiB)", "detail");
    for (JsonNode a : apps) {
      t.row(
          a.path("name").asText("?"),
          a.has("instances") ? "×" + a.path("instances").asInt() : "",
          "app:" + a.path("state").asText("?"),
          "", "", "", "", queued(a.path("traffic")), "", "",
          a.path("detail").asText("") + traffic(a.path("traffic")));
      for (JsonNode w : a.path("workers")) {
        t.row(
            w.path("app").asText(a.path("name").asText("?")),
            w.path("instance").asText("?"),
            w.path("state").asText("?"),
            orDash(w.path("pid").asLong()),
            orDash(w.path("port").asLong()),
            Cli.duration(w.path("uptimeMs").asLong()),
            w.path("restarts").asText("0"),
            w.path("inFlight").asText("0"),
            cpu(w.path("cpuPercent")),
            Cli.mib(w.path("rssBytes").asLong()),
            Cli.oneLine(w.path("detail").asText(""), 200));
      }
    }
    t.print(out());
    return Exit.OK;
  }

  /** An app's in-flight cell: the requests waiting in its queue at the front, when it has a limit. */
  private static String queued(JsonNode traffic) {
    return traffic.path("maxConcurrency").asInt() > 0 ? traffic.path("queued").asInt() + " queued" : "";
  }

  /** What the front adds to an app's detail: its limit, rejected requests, ejected workers. */
  private static String traffic(JsonNode t) {
    StringBuilder b = new StringBuilder();
    if (t.path("maxConcurrency").asInt() > 0) {
      long rejected = t.path("rejected").path("queueFull").asLong() + t.path("rejected").path("queueTimeout").asLong();
      b.append(" (max-concurrency ").append(t.path("maxConcurrency").asInt());
      if (rejected > 0) {
        b.append(", ").append(rejected).append(" rejected");
      }
      b.append(')');
    }
    if (t.path("ejected").size() > 0) {
      b.append(" ejected: ").append(t.path("ejected"));
    }
    return b.toString();
  }

  /** A worker's CPU %, one decimal, or "-" when it has no process (an actor worker, or none running). */
  private static String cpu(JsonNode percent) {
    return percent.isNumber() ? String.format(java.util.Locale.ROOT, "%.1f", percent.asDouble()) : "-";
  }

  private static String orDash(long n) {
    return n == 0 ? "-" : Long.toString(n);
  }
}
