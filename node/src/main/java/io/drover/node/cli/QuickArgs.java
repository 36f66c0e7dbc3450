package io.drover.node.cli;

import java.nio.file.Path;

/**
 * The plain forms of the most used verbs, read without picocli: {@code status [APP]}, {@code
 * scale APP N}, {@code restart APP [--worker I]}, {@code stop APP}, {@code start APP}, each with
 * the shared options ({@code --url}, {@code --token}, {@code --cacert}, {@code --timeout} as
 * {@code --opt VALUE} or {@code --opt=VALUE}, and {@code --json}). Building a verb's command line
 * reflects over its annotations: a third of such a call's time.
 *
 * <p>Anything else is declined (null), and picocli reads it as before: help and --version, an
 * unknown or repeated option, a missing or extra parameter, a value that picocli could read
 * otherwise (one starting with - or @, a number that is not plain digits), {@code --}. So help
 * texts and usage errors stay picocli's own, word for word. QuickArgsTest holds every accepted
 * form to what picocli makes of it.
 */
final class QuickArgs {
  private QuickArgs() {}

  /** The command of {@code verb} with {@code args} (those after the verb) applied, or null to leave it to picocli. */
  static ApiCommand parse(String verb, String[] args) {
    ApiCommand command;
    int min;
    int max;
    switch (verb) {
      case "status" -> {
        command = new StatusCommand();
        min = 0;
        max = 1;
      }
      case "scale" -> {
        command = new ScaleCommand();
        min = 2;
        max = 2;
      }
      case "restart" -> {
        command = new RestartCommand();
        min = 1;
        max = 1;
      }
      case "stop" -> {
        command = new StopCommand();
        min = 1;
        max = 1;
      }
      case "start" -> {
        command = new StartCommand();
        min = 1;
        max = 1;
      }
      default -> {
        return null;
      }
    }
    ApiOptions api = new ApiOptions();
    String[] positional = new String[max];
    int count = 0;
    Integer worker = null;
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.startsWith("@")) {
        return null; // picocli reads an @FILE argument as the arguments in FILE
      }
      if (!arg.startsWith("-")) {
        if (count == max) {
          return null;
        }
        positional[count++] = arg;
        continue;
      }
      if (arg.equals("--json")) {
        if (json) {
          return null;
        }
        json = true;
        continue;
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg : arg.substring(0, eq);
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        return null;
      }
      if (value.startsWith("-") || value.startsWith("@")) {
        return null;
      }
      switch (name) {
        case "--url" -> {
          if (api.url != null) {
            return null;
          }
          api.url = value;
        }
        case "--token" -> {
          if (api.token != null) {
            return null;
          }
          api.token = value;
        }
        case "--cacert" -> {
          if (api.cacert != null) {
            return null;
          }
          try {
            api.cacert = Path.of(value);
          } catch (RuntimeException e) {
            return null;
          }
        }
        case "--timeout" -> {
          if (api.timeout != null) {
            return null;
          }
          try {
            api.timeout = new ApiOptions.DurationConverter().convert(value);
          } catch (RuntimeException e) {
            return null;
          }
        }
        case "--worker" -> {
          if (!(command instanceof RestartCommand) || worker != null) {
            return null;
          }
          worker = number(value);
          if (worker == null) {
            return null;
          }
        }
        default -> {
          return null;
        }
      }
    }
    if (count < min) {
      return null;
    }
    api.json = json;
    command.api = api;
    if (command instanceof StatusCommand status) {
      status.app = positional[0];
    } else if (command instanceof ScaleCommand scale) {
      Integer n = number(positional[1]);
      if (n == null) {
        return null;
      }
      scale.app = positional[0];
      scale.instances = n;
    } else if (command instanceof RestartCommand restart) {
      restart.app = positional[0];
      restart.worker = worker;
    } else if (command instanceof AppStateCommand state) {
      state.app = positional[0];
    }
    return command;
  }

  /** Plain decimal digits as an int; null for anything else (picocli's own reading decides). */
  private static Integer number(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return null;
      }
    }
    return Integer.parseInt(s);
  }
}
