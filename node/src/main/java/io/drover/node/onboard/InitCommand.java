package io.drover.node.onboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drover init [--name N] [-i N] [-o FILE] [-- COMMAND...]}: a commented config for one app. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Write a commented config file declaring one app (COMMAND, default: node app.js), routed at /,"
          + " ready once its $PORT accepts connections. Check it with `drover validate FILE`, run it with"
          + " `drover run FILE`. An existing file is kept unless --force."
    })
public final class InitCommand implements Callable<Integer> {
  @Mixin AppOptions options;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "the file to write (default: drover.conf)")
  Path output = Path.of("drover.conf");

  @Option(names = "--force", description = "overwrite FILE if it exists")
  boolean force;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the app's program and arguments, after --")
  List<String> command = new ArrayList<>();

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    List<String> cmd = command.isEmpty() ? OneApp.EXAMPLE_COMMAND : command;
    OneApp app = options.app(spec.commandLine(), cmd, null);
    if (Files.exists(output) && !force) {
      spec.commandLine().getErr().println("drover: " + output + " exists; not overwritten (--force overwrites it)");
      return 1;
    }
    String header = "Drover config for the app \"" + app.name() + "\", written by drover init.\n"
        + "Check it: drover validate " + output + "; run it: drover run " + output + ".";
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(output, app.hocon(header), StandardCharsets.UTF_8);
    spec.commandLine().getOut().println("wrote " + output + " (app " + app.name() + ": " + String.join(" ", cmd) + ")");
    return 0;
  }
}
