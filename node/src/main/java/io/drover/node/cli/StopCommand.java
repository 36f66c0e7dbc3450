package io.drover.node.cli;

import picocli.CommandLine.Command;

/** {@code drover stop APP}. */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = {
      "Stop every worker of APP.",
      "Each is drained first, then signalled; the app stays stopped until `drover start APP`."
    },
    footer = Exit.FOOTER)
public final class StopCommand extends AppStateCommand {
  @Override
  String action() {
    return "stop";
  }

  @Override
  String state() {
    return "stopped";
  }
}
