package io.drover.node.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover start APP}. */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description = "Start APP again when it is stopped or failed.",
    footer = Exit.FOOTER)
public final class StartCommand extends ApiCommand {
  @Parameters(paramLabel = "APP", description = "the app")
  String app;

  @Override
  Duration defaultTimeout() {
    return Duration.ofMinutes(2);
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r = client.post("/apps/" + Cli.seg(app) + "/start");
    if (api.json) {
      printRaw(r.body());
    } else {
      var json = r.json();
      out().println(json.path("app").asText(app) + ": " + json.path("state").asText("running"));
    }
    return Exit.OK;
  }
}
