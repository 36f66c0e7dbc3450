package io.drover.node;

import io.drover.node.onboard.AppOptions;
import io.drover.node.onboard.OneApp;
import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover run FILE}, or {@code drover run [-i N] [--name N] [--port P] -- COMMAND...}:
 * validate, then run a node until Ctrl-C or SIGTERM. The second form declares one app on the
 * command line; it is the config {@code drover init} would write, loaded like a file.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Validate FILE, then start a node that runs its apps until Ctrl-C or SIGTERM, which stop every"
          + " worker gracefully. Nothing starts when FILE has an error.",
      "Without a file, `drover run -i 4 -- node app.js` runs one app declared on the command line"
          + " (routed at /, ready once its $PORT accepts connections): the config `drover init` would"
          + " write for it."
    })
final class RunCommand implements Callable<Integer> {
  static final String COMMAND_LINE = "command line";

  @Parameters(paramLabel = "FILE | -- COMMAND", arity = "0..*",
      description = "the HOCON file declaring the apps, or after --, one app's program and arguments")
  List<String> args = new ArrayList<>();

  @Mixin AppOptions options;

  @Option(names = "--api-port", paramLabel = "PORT",
      description = "with a COMMAND: the management API's port (default: the config's)")
  Integer apiPort;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    DroverSettings settings;
    try {
      settings = commandGiven() ? ConfigLoader.parse(oneApp(), COMMAND_LINE, Path.of("")) : ConfigLoader.load(file());
    } catch (ConfigException e) {
      ValidateCommand.printProblems(spec, e);
      return 1;
    }
    ValidateCommand.noteUnrouted(spec, settings);
    ValidateCommand.warnUnnamedHosts(spec, settings);
    DroverNode node = DroverNode.start(settings, spec.commandLine().getOut());
    node.handleSignals();
    return node.awaitTermination();
  }

  /** Whether the arguments hold {@code --} (picocli took it out): a command follows, not a file. */
  private boolean commandGiven() {
    return spec.commandLine().getParseResult().originalArgs().contains("--");
  }

  private Path file() {
    if (args.size() != 1 || options.any() || apiPort != null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          args.isEmpty() ? "missing FILE (or a command after --: drover run -i 2 -- node app.js)"
              : args.size() > 1 ? "one FILE, or a command after --: drover run -- " + String.join(" ", args)
              : "--name, -i, --port and --api-port declare an app on the command line: put its command after --"
                  + " (drover run -i 2 -- node app.js)");
    }
    return Path.of(args.get(0));
  }

  private String oneApp() {
    if (args.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "missing the command after -- (drover run -i 2 -- node app.js)");
    }
    OneApp app = options.app(spec.commandLine(), args, apiPort);
    return app.hocon("drover run " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
  }
}
