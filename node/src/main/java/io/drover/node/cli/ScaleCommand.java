package io.drover.node.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover scale APP N}. */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    description = {
      "Set the number of APP's workers.",
      "N is 1..10000: new workers are started, extra ones drained and stopped."
    },
    footer = Exit.FOOTER)
public final class ScaleCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "APP", description = "the app")
  String app;

  @Parameters(index = "1", paramLabel = "N", description = "its number of workers")
  int instances;

  @Override
  Duration defaultTimeout() {
    return Duration.ofMinutes(2);
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r =
        client.post("/apps/" + Cli.seg(app) + "/scale", "application/json", "{\"instances\":" + instances + "}");
    if (api.json) {
      printRaw(r.body());
    } else {
      var json = r.json();
      int n = json.path("instances").asInt(instances);
      out().println(json.path("app").asText(app) + ": " + n + (n == 1 ? " instance" : " instances"));
    }
    return Exit.OK;
  }
}
