package io.drover.node.onboard;

import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drover import FILE [-o OUT] [--env NAME]}: a PM2 ecosystem file as a Drover config. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Convert a PM2 ecosystem file (ecosystem.config.js, .cjs, .mjs, .json, .yaml or .yml) to a Drover"
          + " config: printed, or written to OUT. What did not map, and why, goes to stderr.",
      "A .js file is evaluated by node (its module.exports, as PM2 does). The result is validated as"
          + " `drover validate` would (exit status 1 if it does not pass)."
    })
public final class ImportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the PM2 ecosystem file")
  Path file;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write the config here instead of printing it")
  Path output;

  @Option(names = "--force", description = "overwrite OUT if it exists")
  boolean force;

  @Option(names = "--env", paramLabel = "NAME",
      description = "merge each app's env_NAME over its env, as pm2 start --env NAME")
  String envName;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (output != null && Files.exists(output) && !force) {
      err.println("drover: " + output + " exists; not overwritten (--force overwrites it)");
      return 1;
    }
    Path outputDir = (output == null ? Path.of("") : output).toAbsolutePath().normalize();
    outputDir = output == null ? outputDir : outputDir.getParent();
    Pm2Import converted;
    try {
      converted = new Pm2Import(EcosystemFile.read(file), file, outputDir, envName);
    } catch (EcosystemFile.Unreadable e) {
      err.println("drover: " + e.getMessage());
      return 1;
    }
    if (output == null) {
      spec.commandLine().getOut().print(converted.hocon());
      spec.commandLine().getOut().flush();
    } else {
      Files.createDirectories(outputDir);
      Files.writeString(output, converted.hocon(), StandardCharsets.UTF_8);
      err.println("wrote " + output);
    }
    for (String note : converted.notes()) {
      err.println("drover import: " + note);
    }
    String name = output == null ? "<converted " + file.getFileName() + ">" : output.toString();
    try {
      ConfigLoader.parse(converted.hocon(), name, outputDir);
    } catch (ConfigException e) {
      e.problems().forEach(p -> err.println(p.message()));
      err.println("drover: the converted config does not validate here (" + e.problems().size() + " problem(s)); fix it before drover run");
      err.flush();
      return 1;
    }
    err.flush();
    return 0;
  }
}
