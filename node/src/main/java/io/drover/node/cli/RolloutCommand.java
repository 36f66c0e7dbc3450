package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover rollout status|promote|rollback APP}: an app's deployments. */
@Command(
    name = "rollout",
    mixinStandardHelpOptions = true,
    description = {
      "Show or steer APP's deployments (an apply that changes its settings).",
      "status: the deployment in progress (each worker slot's progress) and the recent ones.",
      "promote: the healthy canaries take old workers' places and the rest follow"
          + " (update.auto-promote = off).",
      "rollback: the deployment in progress fails and goes back to the last healthy settings;"
          + " with none in progress, the healthy settings before the current ones are deployed."
    },
    footer = Exit.FOOTER)
public final class RolloutCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "ACTION", description = "status, promote or rollback")
  String action;

  @Parameters(index = "1", paramLabel = "APP", description = "the app")
  String app;

  @Override
  void check() {
    if (!action.equals("status") && !action.equals("promote") && !action.equals("rollback")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "unknown action '" + action + "': expected status, promote or rollback");
    }
  }

  @Override
  Duration defaultTimeout() {
    return Duration.ofSeconds(30);
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    String base = "/apps/" + Cli.seg(app) + "/deployments";
    ApiClient.Response r = action.equals("status") ? client.get(base) : client.post(base + "/" + action);
    if (api.json) {
      printRaw(r.body());
      return Exit.OK;
    }
    JsonNode json = parse(r.body());
    if (!action.equals("status")) {
      out().println(json.path("app").asText(app) + ": " + json.path("detail").asText(action));
      return Exit.OK;
    }
    JsonNode current = json.path("current");
    if (current.isObject()) {
      print(current);
      for (JsonNode slot : current.path("slots")) {
        long pid = slot.path("pid").asLong();
        String phase = slot.path("phase").asText();
        out().println("  " + app + "-" + slot.path("instance").asInt() + "  " + phase
            + (pid > 0 ? " ".repeat(Math.max(1, 11 - phase.length())) + "pid " + pid : ""));
      }
    } else {
      out().println(app + ": no deployment in progress");
    }
    JsonNode recent = json.path("recent");
    if (recent.size() > 0) {
      out().println("recent:");
      for (JsonNode d : recent) {
        print(d);
      }
    }
    return Exit.OK;
  }

  private void print(JsonNode d) {
    String reason = d.path("reason").asText("");
    out().printf("%-12s %-15s %-9s started %s%s%n", d.path("id").asText(), d.path("state").asText(),
        d.path("cause").asText(), d.path("started").asText(),
        reason.isEmpty() ? "" : "  " + Cli.oneLine(reason, 300));
  }

  private static JsonNode parse(String body) {
    try {
      return Json.read(body);
    } catch (Exception e) {
      return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
  }
}
