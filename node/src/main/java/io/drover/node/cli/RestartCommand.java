package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code drover restart APP [--worker I]}: rolling restart, answered when done. */
@Command(
    name = "restart",
    mixinStandardHelpOptions = true,
    description = {
      "Restart APP (or one worker) rolling, and wait until done.",
      "For each worker in turn a replacement is started and, once it is ready, the old worker is"
          + " drained and stopped. A replacement that does not become ready aborts the restart and"
          + " keeps the old worker (exit status 1)."
    },
    footer = Exit.FOOTER)
public final class RestartCommand extends ApiCommand {
  @Parameters(paramLabel = "APP", description = "the app")
  String app;

  @Option(names = "--worker", paramLabel = "I", description = "only worker (instance) I")
  Integer worker;

  @Override
  Duration defaultTimeout() {
    return Duration.ofMinutes(10);
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    String path = "/apps/" + Cli.seg(app) + (worker == null ? "" : "/workers/" + worker) + "/restart";
    String body;
    try {
      body = client.post(path).body();
    } catch (ApiClient.Failure f) {
      // an aborted restart may also come as an error status with the same body
      if (f.exit() != Exit.REFUSED || !aborted(f.body())) {
        throw f;
      }
      body = f.body();
    }
    JsonNode json = new ApiClient.Response(200, "application/json", body).json();
    boolean completed = json.path("completed").asBoolean(false);
    String who = json.path("app").asText(app) + (worker == null ? "" : "-" + json.path("instance").asText(worker.toString()));
    String detail = json.path("detail").asText(completed ? "restarted" : "aborted");
    if (api.json) {
      printRaw(body);
    } else if (completed) {
      out().println(who + ": " + detail);
    }
    if (!completed) {
      error(who + ": restart aborted: " + Cli.oneLine(detail, 300));
      return Exit.REFUSED;
    }
    return Exit.OK;
  }

  private static boolean aborted(String body) {
    try {
      JsonNode n = Json.read(body);
      return n != null && n.path("completed").isBoolean() && !n.path("completed").asBoolean();
    } catch (Exception e) {
      return false;
    }
  }
}
