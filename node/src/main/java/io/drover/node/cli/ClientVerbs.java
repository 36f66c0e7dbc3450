package io.drover.node.cli;

import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * The verbs that only call a node's API, for a quick start: {@code drover status} builds the
 * command line of {@code status} alone, not the whole tree (picocli reflects over every command
 * it is given, a fifth of a call's time). Their help and errors are those of the whole tree;
 * {@code Main} lists the same classes as its subcommands (CliTest holds them to it).
 */
public final class ClientVerbs {
  private static final Map<String, Supplier<Object>> VERBS =
      Map.ofEntries(
          verb("status", StatusCommand::new),
          verb("top", TopCommand::new),
          verb("scale", ScaleCommand::new),
          verb("rollout", RolloutCommand::new),
          verb("restart", RestartCommand::new),
          verb("stop", StopCommand::new),
          verb("start", StartCommand::new),
          verb("logs", LogsCommand::new),
          verb("events", EventsCommand::new),
          verb("apply", ApplyCommand::new),
          verb("cluster", ClusterCommand::new));

  private ClientVerbs() {}

  private static Map.Entry<String, Supplier<Object>> verb(String name, Supplier<Object> command) {
    return Map.entry(name, command);
  }

  /**
   * The command line of {@code verb} alone, named "drover VERB" (run it with the arguments after
   * the verb); null when it is not an API verb.
   */
  public static CommandLine commandLine(String verb) {
    Supplier<Object> command = verb == null ? null : VERBS.get(verb);
    return command == null ? null : new CommandLine(command.get()).setCommandName("drover " + verb);
  }

  /** The API verbs' classes by name (for the test that holds them to Main's subcommands). */
  public static Map<String, Class<?>> classes() {
    Map<String, Class<?>> classes = new java.util.TreeMap<>();
    VERBS.forEach((name, command) -> classes.put(name, command.get().getClass()));
    return classes;
  }
}
