package io.drover.node.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover stop APP}. */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = {
      "Stop every worker of APP.",
      "Each is drained first, then signalled; the app stays stopped until `drover start APP`."
    },
    footer = Exit.FOOTER)
public final class StopCommand extends ApiCommand {
  @Parameters(paramLabel = "APP", description = "the app")
  String app;

  @Override
  Duration defaultTimeout() {
    return Duration.ofMinutes(2);
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r = client.post("/apps/" + Cli.seg(app) + "/stop");
    if (api.json) {
      printRaw(r.body());
    } else {
      var json = r.json();
      out().println(json.path("app").asText(app) + ": " + json.path("state").asText("stopped"));
    }
    return Exit.OK;
  }
}
