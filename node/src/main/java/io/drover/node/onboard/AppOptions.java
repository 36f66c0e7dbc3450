package io.drover.node.onboard;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options that declare one app on the command line: {@code --name}, {@code -i}, {@code --port}. */
public final class AppOptions {
  @Option(names = "--name", paramLabel = "NAME",
      description = "the app's name (default: the script's file name without extension, as PM2 names it)")
  String name;

  @Option(names = {"-i", "--instances"}, paramLabel = "N",
      description = "workers to run: a number, max (one per CPU; also 0) or -1 (CPUs less one), as pm2 -i")
  String instances;

  @Option(names = "--port", paramLabel = "PORT", description = "the front's port (default: the config's)")
  Integer port;

  /** Whether any of them was given. */
  public boolean any() {
    return name != null || instances != null || port != null;
  }

  /** The app these options and {@code command} declare. */
  public OneApp app(CommandLine cmd, List<String> command, Integer apiPort) {
    String count;
    try {
      count = OneApp.instances(instances == null ? "1" : instances);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, "-i " + e.getMessage());
    }
    return new OneApp(name == null ? OneApp.nameFor(command) : name, count, command, port, apiPort);
  }
}
