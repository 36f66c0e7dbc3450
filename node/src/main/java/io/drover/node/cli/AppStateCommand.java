package io.drover.node.cli;

import java.time.Duration;
import picocli.CommandLine.Parameters;

/** A verb that moves an app to another state ({@code start}, {@code stop}) and prints where it is. */
abstract class AppStateCommand extends ApiCommand {
  @Parameters(paramLabel = "APP", description = "the app")
  String app;

  /** The API action: {@code POST /apps/APP/<action>}. */
  abstract String action();

  /** The state the app is in once the action is done. */
  abstract String state();

  @Override
  Duration defaultTimeout() {
    return Duration.ofMinutes(2);
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r = client.post("/apps/" + Cli.seg(app) + "/" + action());
    if (api.json) {
      printRaw(r.body());
    } else {
      var json = r.json();
      out().println(json.path("app").asText(app) + ": " + json.path("state").asText(state()));
    }
    return Exit.OK;
  }
}
