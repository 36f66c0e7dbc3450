package io.drover.node.cli;

import picocli.CommandLine.Command;

/** {@code drover start APP}. */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description = "Start APP again when it is stopped or failed.",
    footer = Exit.FOOTER)
public final class StartCommand extends AppStateCommand {
  @Override
  String action() {
    return "start";
  }

  @Override
  String state() {
    return "running";
  }
}
