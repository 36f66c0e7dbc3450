package io.drover.node.cli;

import java.util.Map;
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
  private static final java.util.List<String> VERBS =
      java.util.List.of("status", "top", "scale", "rollout", "restart", "stop", "start", "logs", "events", "apply", "cluster");

  private ClientVerbs() {}

  /**
   * A new command object of {@code verb}, null for none. A switch, not a map of constructor
   * references: each reference is a call site the JVM links on first use (tens of ms at start).
   */
  private static Object command(String verb) {
    return switch (verb) {
      case "status" -> new StatusCommand();
      case "top" -> new TopCommand();
      case "scale" -> new ScaleCommand();
      case "rollout" -> new RolloutCommand();
      case "restart" -> new RestartCommand();
      case "stop" -> new StopCommand();
      case "start" -> new StartCommand();
      case "logs" -> new LogsCommand();
      case "events" -> new EventsCommand();
      case "apply" -> new ApplyCommand();
      case "cluster" -> new ClusterCommand();
      default -> null;
    };
  }

  /** Whether {@code verb} is an API verb. */
  public static boolean isVerb(String verb) {
    return verb != null && VERBS.contains(verb);
  }

  /**
   * The command line of {@code verb} alone, named "drover VERB" (run it with the arguments after
   * the verb); null when it is not an API verb.
   */
  public static CommandLine commandLine(String verb) {
    Object command = verb == null ? null : command(verb);
    return command == null ? null : new CommandLine(command).setCommandName("drover " + verb);
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
      System.err.println("drover: expected an API verb (" + String.join(", ", new java.util.TreeSet<>(VERBS)) + ")");
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
    for (String name : VERBS) {
      classes.put(name, command(name).getClass());
    }
    return classes;
  }
}
