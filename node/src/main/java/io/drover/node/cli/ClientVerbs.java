package io.drover.node.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Map;
import picocli.CommandLine;

/**
 * The verbs that only call a node's API, for a quick start: the plain forms of the most used
 * ones are read without picocli ({@link QuickArgs}), and any other {@code drover status ...}
 * builds the command line of {@code status} alone, not the whole tree (picocli reflects over
 * every command it is given). Their help and errors are those of the whole tree; {@code Main}
 * lists the same classes as its subcommands (CliTest holds them to it).
 *
 * <p>This package needs only picocli and Jackson: the build packs it alone into
 * drover-node-cli.jar, whose class path names those jars only, and the launcher runs an API verb
 * from there ({@link #main}). A class looked up on the node's class path of 90 jars (a miss, or a
 * class outside the launcher's class-data archive) opens every jar before it: a tenth of a call.
 */
public final class ClientVerbs {
  private static final java.util.List<String> VERBS =
      java.util.List.of("status", "top", "scale", "rollout", "restart", "stop", "start", "logs", "events", "apply", "cluster");

  /**
   * Set by the launcher for the call whose loaded classes make the class-data archive: it runs
   * through picocli (having read its arguments quickly too), so that the archive holds the classes
   * of both ways and the verbs that always take picocli's (logs, top, apply, ...) start quickly too.
   */
  private static final String RECORDING = "drover.cli.recording";

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
    if (args.length == 0 || !isVerb(args[0])) {
      System.err.println("drover: expected an API verb (" + String.join(", ", new java.util.TreeSet<>(VERBS)) + ")");
      System.exit(Exit.USAGE);
    }
    System.exit(execute(args, writer(System.out, "sun.stdout.encoding"), writer(System.err, "sun.stderr.encoding")));
  }

  /**
   * Runs {@code drover VERB ARGS...} for an API verb, writing to {@code out} and {@code err}; the
   * exit status. The plain forms of the most used verbs run without picocli ({@link QuickArgs});
   * the rest, and a plain form whose --url, --token or --cacert is unusable (nothing was sent
   * yet), run through the verb's command line, so their help and usage errors are picocli's.
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    ApiCommand quick = QuickArgs.parse(args[0], rest);
    if (quick != null && !Boolean.getBoolean(RECORDING)) {
      quick.writeTo(out, err);
      ApiCommand.Target target = null;
      try {
        target = quick.target(null);
      } catch (RuntimeException usage) {
        // the command line says it, in its words
      }
      if (target != null) {
        return quick.perform(target);
      }
    }
    return withHandlers(commandLine(args[0])).setOut(out).setErr(err).execute(rest);
  }

  /** A writer as picocli makes for System.out and System.err: the stream's encoding, flushed on each line. */
  private static PrintWriter writer(java.io.PrintStream stream, String encodingProperty) {
    String name = System.getProperty(encodingProperty);
    Charset charset;
    try {
      charset = name == null ? Charset.defaultCharset() : Charset.forName(name.equalsIgnoreCase("cp65001") ? "UTF-8" : name);
    } catch (RuntimeException e) {
      charset = Charset.defaultCharset();
    }
    return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
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
