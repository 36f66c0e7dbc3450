package io.drover.node.onboard;

import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drover startup systemd [--user USER] [-o FILE] CONFIG}: a systemd unit, as pm2 startup. */
@Command(
    name = "startup",
    mixinStandardHelpOptions = true,
    description = {
      "Print (or write to FILE) a systemd unit that runs a node with CONFIG at boot, as pm2 startup does:"
          + " deploy/systemd/drover.service with this machine's absolute paths of java, drover-node.jar and"
          + " CONFIG, USER, and the current PATH. CONFIG must validate."
    })
public final class StartupCommand implements Callable<Integer> {
  /** The init systems a unit can be written for. */
  enum InitSystem {
    systemd
  }

  @Parameters(index = "0", paramLabel = "INIT", description = "the init system: ${COMPLETION-CANDIDATES}")
  InitSystem init;

  @Parameters(index = "1", paramLabel = "CONFIG", description = "the node's config file")
  Path config;

  @Option(names = "--user", paramLabel = "USER", description = "the user the node runs as (default: the current user)")
  String user = System.getProperty("user.name");

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the unit here instead of printing it")
  Path output;

  @Option(names = "--jar", paramLabel = "JAR",
      description = "the drover-node.jar to run, with its lib/ beside it (default: the running one)")
  Path jar;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    try {
      ConfigLoader.load(config);
    } catch (ConfigException e) {
      e.problems().forEach(p -> err.println(p.message()));
      err.println("drover: " + config + " does not validate; no unit written");
      return 1;
    }
    Path jarPath = jar == null ? runningJar() : jar;
    if (jarPath == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "not run from drover-node.jar (mvn -DskipTests package builds it): name the jar with --jar");
    }
    if (user.isBlank() || !user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--user: found \"" + user + "\", expected a user name");
    }
    String unit = SystemdUnit.render(SystemdUnit.template(), user, java(),
        jarPath.toAbsolutePath().normalize(), config.toAbsolutePath().normalize(), System.getenv("PATH"));
    String file = output == null ? "drover.service" : output.toString();
    if (output == null) {
      spec.commandLine().getOut().print(unit);
      spec.commandLine().getOut().flush();
    } else {
      Files.writeString(output, unit, StandardCharsets.UTF_8);
      err.println("wrote " + output);
    }
    err.println("To install it:");
    err.println("  sudo cp " + file + " /etc/systemd/system/drover.service");
    err.println("  sudo systemctl daemon-reload && sudo systemctl enable --now drover");
    err.flush();
    return 0;
  }

  /** The jar this JVM runs Drover from, or null when it runs from class directories. */
  private static Path runningJar() {
    try {
      Path p = Path.of(StartupCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /** The java running this command (its real path), so the unit runs the same one. */
  private static Path java() {
    return ProcessHandle.current().info().command().map(Path::of)
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
  }
}
