package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringWriter;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code drover top [APP]}: the node's workers with their CPU, memory and the apps' request
 * rates, refreshed in place on a terminal (as {@code top}, {@code pm2 monit}); one table otherwise.
 * The rates come from each app's history ({@code GET /apps/{app}/history}), asked for only the
 * samples newer than the last one seen.
 */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    description = {
      "Watch the node's workers: one row per app (its requests/s and 5xx/s at the front, from the"
          + " node's last 2 s sample) and per worker (state, pid, CPU of its process tree with"
          + " 100%% = one core, RSS in MiB, restarts/recycles, uptime), under a line of totals.",
      "On a terminal it refreshes in place every --interval until q or Ctrl-C; with --once, --json"
          + " or output that is not a terminal it prints one table and exits."
    },
    footer = Exit.FOOTER)
public final class TopCommand extends ApiCommand {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

  @Parameters(arity = "0..1", paramLabel = "APP", description = "only this app")
  String app;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      converter = ApiOptions.DurationConverter.class,
      defaultValue = "2s",
      description = "time between refreshes, e.g. 1s, 500ms (default: ${DEFAULT-VALUE}; the node samples every 2s)")
  Duration interval;

  @Option(names = "--once", description = "print one table and exit (also when the output is not a terminal)")
  boolean once;

  /** Per app: the newest history sample seen (epoch millis) and the last known rates. */
  private final Map<String, Rates> rates = new HashMap<>();

  private record Rates(long t, Double requests, Double errors) {}

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    if (once || api.json || System.console() == null) {
      List<JsonNode> apps = sample(client);
      if (api.json) {
        printRaw(asJson(apps).toString());
      } else {
        render(apps, null).forEach(out()::println);
        out().flush();
      }
      return Exit.OK;
    }
    List<JsonNode> first = sample(client); // an unknown app or a refusal ends here, before the screen changes
    try (TerminalScreen screen = TerminalScreen.open()) {
      List<JsonNode> apps = first;
      String trouble = null;
      while (true) {
        screen.draw(render(apps, trouble));
        if (screen.awaitQuit(interval)) {
          return Exit.OK;
        }
        try {
          apps = sample(client);
          trouble = null;
        } catch (ApiClient.Failure f) {
          trouble = f.getMessage(); // shown on the header line; the last figures stay until the node answers again
        }
      }
    }
  }

  /** The apps (as GET /apps gives them), each with its latest request rates added. */
  private List<JsonNode> sample(ApiClient client) throws ApiClient.Failure, InterruptedException {
    JsonNode json = client.get(app == null ? "/apps" : "/apps/" + Cli.seg(app)).json();
    List<JsonNode> apps = new ArrayList<>();
    if (app == null) {
      json.path("apps").forEach(apps::add);
    } else {
      apps.add(json);
    }
    for (JsonNode a : apps) {
      String name = a.path("name").asText();
      Rates known = rates.get(name);
      String path = "/apps/" + Cli.seg(name) + "/history" + (known == null ? "" : "?since=" + known.t());
      Rates now;
      try {
        now = latest(client.get(path).json(), known);
      } catch (ApiClient.Failure f) {
        if (f.exit() != Exit.REFUSED) {
          throw f;
        }
        now = known; // the app went away between the two calls: no rates this time
      }
      if (now != null) {
        rates.put(name, now);
        ((ObjectNode) a).put("requestsPerSecond", now.requests());
        ((ObjectNode) a).put("errorsPerSecond", now.errors());
      }
    }
    return apps;
  }

  /** The newest sample's rates of a history answer, or what was known when it has none newer. */
  private static Rates latest(JsonNode history, Rates known) {
    JsonNode t = history.path("t");
    if (t.size() == 0) {
      return known;
    }
    int last = t.size() - 1;
    JsonNode rps = history.path("requestsPerSecond").path(last);
    JsonNode eps = history.path("errorsPerSecond").path(last);
    return new Rates(t.path(last).asLong(), rps.isNumber() ? rps.asDouble() : null, eps.isNumber() ? eps.asDouble() : null);
  }

  /** The header line of totals, then the table. */
  private List<String> render(List<JsonNode> apps, String trouble) {
    int workers = 0;
    int ready = 0;
    double cpu = 0;
    long rss = 0;
    double requests = 0;
    Cli.Table t = new Cli.Table();
    t.row("app", "worker", "state", "pid", "cpu%", "rss(MiB)", "req/s", "5xx/s", "restarts/recycles", "uptime");
    for (JsonNode a : apps) {
      String name = a.path("name").asText("?");
      requests += a.path("requestsPerSecond").asDouble(0);
      t.row(name, "×" + a.path("workers").size(), "app:" + a.path("state").asText("?"), "", "", "",
          rate(a.path("requestsPerSecond")), rate(a.path("errorsPerSecond")), "", "");
      for (JsonNode w : a.path("workers")) {
        workers++;
        ready += w.path("state").asText().equals("ready") ? 1 : 0;
        cpu += w.path("cpuPercent").asDouble(0);
        rss += w.path("rssBytes").asLong();
        long pid = w.path("pid").asLong();
        t.row(
            name,
            name + "-" + w.path("instance").asText("?"),
            w.path("state").asText("?"),
            pid == 0 ? "-" : Long.toString(pid),
            w.path("cpuPercent").isNumber() ? String.format(Locale.ROOT, "%.1f", w.path("cpuPercent").asDouble()) : "-",
            Cli.mib(w.path("rssBytes").asLong()),
            "",
            "",
            w.path("restarts").asLong() + "/" + w.path("recycles").asLong(),
            pid == 0 ? "-" : Cli.duration(w.path("uptimeMs").asLong()));
      }
    }
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "drover top  %s  %s  apps %d  workers %d/%d ready  cpu %.1f%%  rss %s MiB  %.1f req/s%s",
        api.baseUrl(spec.commandLine()), LocalTime.now().format(CLOCK), apps.size(), ready, workers, cpu,
        rss == 0 ? "-" : Cli.mib(rss), requests, trouble == null ? "" : "  (" + Cli.oneLine(trouble, 200) + ")"));
    lines.add("");
    StringWriter table = new StringWriter();
    t.print(new PrintWriter(table));
    lines.addAll(table.toString().lines().toList());
    return lines;
  }

  private static String rate(JsonNode r) {
    return r.isNumber() ? String.format(Locale.ROOT, "%.1f", r.asDouble()) : "-";
  }

  /** --json: the apps as GET /apps gives them, each with requestsPerSecond and errorsPerSecond. */
  private static ObjectNode asJson(List<JsonNode> apps) {
    ObjectNode o = Json.mapper().createObjectNode();
    ArrayNode list = o.putArray("apps");
    apps.forEach(list::add);
    return o;
  }
}
