package io.drover.node;

import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import io.drover.supervisor.config.TlsNames;
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
      DroverSettings settings = ConfigLoader.load(file);
      spec.commandLine().getOut().println("ok");
      noteUnrouted(spec, settings);
      warnUnnamedHosts(spec, settings);
      return 0;
    } catch (ConfigException e) {
      printProblems(spec, e);
      return 1;
    }
  }

  /**
   * A note on stderr when the front is on and no app is routed (only a config's lone app is
   * routed without saying so): every request would be answered 404.
   */
  static void noteUnrouted(CommandSpec spec, DroverSettings settings) {
    if (settings.http().enabled() && !settings.apps().isEmpty()
        && settings.apps().values().stream().noneMatch(a -> a.route().routed())) {
      spec.commandLine().getErr().println("note: no app is routed (route.prefix or route.host): the front answers 404"
          + " to every request; if an app serves HTTP, give it route.prefix = \"/\"");
      spec.commandLine().getErr().flush();
    }
  }

  /** A warning on stderr for each app whose route.host the TLS certificate it gets does not name ({@link TlsNames}). */
  static void warnUnnamedHosts(CommandSpec spec, DroverSettings settings) {
    if (settings.http().enabled()) {
      for (String unnamed : TlsNames.unnamedHosts(settings.http().tls(), settings.appList(), java.time.Instant.now())) {
        spec.commandLine().getErr().println("warning: " + unnamed);
      }
      spec.commandLine().getErr().flush();
    }
  }

  static void printProblems(CommandSpec spec, ConfigException e) {
    var err = spec.commandLine().getErr();
    e.problems().forEach(p -> err.println(p.message()));
    err.println(e.problems().size() + (e.problems().size() == 1 ? " error" : " errors") + "; nothing was started");
    err.flush();
  }
}
