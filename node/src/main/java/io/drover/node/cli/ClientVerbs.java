package io.drover.node.cli;

import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * The verbs that only call a node's API, for a quick start: {@code drover status} builds the
 * command line of {@code status} alone, not the whole tree (picocli reflects over every command
 * it is given, a fifth of a call's time). Their help and errors are those of the whole tree;
 * {@code Main} lists the same classes as its subcommands (CliTest holds them to it).
 *
 * <p>This package needs only picocli and Jackson: the build packs it alone into
 * drover-node-cli.jar, whose class path names those jars only, and the launcher runs an API verb
 * from there ({@link #main}). A class looked up on the node's class path of 90 jars (a miss, or a
 * class outside the launcher's class-data archive) opens every jar before it: a tenth of a call.
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

  /** Whether {@code verb} is an API verb. */
  public static boolean isVerb(String verb) {
    return verb != null && VERBS.containsKey(verb);
  }

  /**
   * The command line of {@code verb} alone, named "drover VERB" (run it with the arguments after
   * the verb); null when it is not an API verb.
   */
  public static CommandLine commandLine(String verb) {
    Supplier<Object> command = verb == null ? null : VERBS.get(verb);
    return command == null ? null : new CommandLine(command.get()).setCommandName("drover " + verb);
  }

  /** "drover VERSION" from the jar's manifest, or "drover dev" when run from classes. */
  public static String version() {
    String v = ClientVerbs.class.getPackage().getImplementationVersion();
    return "drover " + (v == null ? "dev" : v);
  }

  /** {@code drover VERB ARGS...} for an API verb: the launcher's entry (and Main's) for one. */
  public static void main(String[] args) {
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      System.out.println(version()); // drover --version, without building the whole tree for it
      System.exit(Exit.OK);
    }
    CommandLine verb = args.length == 0 ? null : commandLine(args[0]);
    if (verb == null) {
      System.err.println("drover: expected an API verb (" + String.join(", ", new java.util.TreeSet<>(VERBS.keySet())) + ")");
      System.exit(Exit.USAGE);
    }
    System.exit(withHandlers(verb).execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
  }

  /** The handlers of every drover command line: an exception a command did not turn into an exit status is one line and exit 2. */
  public static CommandLine withHandlers(CommandLine commandLine) {
    return commandLine.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println("drover: " + ex.getMessage());
          return Exit.USAGE;
        });
  }

  /** The API verbs' classes by name (for the test that holds them to Main's subcommands). */
  public static Map<String, Class<?>> classes() {
    Map<String, Class<?>> classes = new java.util.TreeMap<>();
    VERBS.forEach((name, command) -> classes.put(name, command.get().getClass()));
    return classes;
  }
}
