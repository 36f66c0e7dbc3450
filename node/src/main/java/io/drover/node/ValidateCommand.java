package io.drover.node;

import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code drover validate FILE}: "ok" and 0, or every problem and 1. Starts nothing. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Check a config file: prints ok, or every error (file:line: key: problem) and exits 1.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the HOCON file declaring the apps")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try {
      ConfigLoader.load(file);
      spec.commandLine().getOut().println("ok");
      return 0;
    } catch (ConfigException e) {
      printProblems(spec, e);
      return 1;
    }
  }

  static void printProblems(CommandSpec spec, ConfigException e) {
    var err = spec.commandLine().getErr();
    e.problems().forEach(p -> err.println(p.message()));
    err.println(e.problems().size() + (e.problems().size() == 1 ? " error" : " errors") + "; nothing was started");
    err.flush();
  }
}
