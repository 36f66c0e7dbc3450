package io.drover.node;

import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drover run FILE}: validate, then run a node until Ctrl-C or SIGTERM. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Validate FILE, then start a node that runs its apps until Ctrl-C or SIGTERM,",
      "which stop every worker gracefully. Nothing starts when FILE has an error."
    })
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the HOCON file declaring the apps")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    DroverSettings settings;
    try {
      settings = ConfigLoader.load(file);
    } catch (ConfigException e) {
      ValidateCommand.printProblems(spec, e);
      return 1;
    }
    DroverNode node = DroverNode.start(settings, spec.commandLine().getOut());
    node.handleSignals();
    return node.awaitTermination();
  }
}
