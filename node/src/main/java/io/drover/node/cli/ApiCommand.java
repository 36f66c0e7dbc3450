package io.drover.node.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A verb that talks to a node's management API: one client per call, failures as one line. */
abstract class ApiCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ApiOptions api;

  /** Where the verb writes when it runs without picocli ({@link QuickArgs}); null: its command line's. */
  private PrintWriter out;

  private PrintWriter err;

  /** Where to reach the node, checked before any connection. */
  record Target(URI base, String token, javax.net.ssl.SSLContext trust) {}

  /** How long the verb waits for an answer unless --timeout says otherwise. */
  Duration defaultTimeout() {
    return Duration.ofSeconds(30);
  }

  /** Does the verb's work; the exit status. */
  abstract int run(ApiClient client) throws ApiClient.Failure, InterruptedException;

  /** Checks done before any connection (usage errors, exit 2). */
  void check() {}

  PrintWriter out() {
    return out != null ? out : spec.commandLine().getOut();
  }

  PrintWriter err() {
    return err != null ? err : spec.commandLine().getErr();
  }

  /** Writes to {@code out} and {@code err}: for a run without a command line. */
  void writeTo(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  /** "drover: " and one line on stderr. */
  void error(String message) {
    err().println("drover: " + message);
    err().flush();
  }

  /** The raw JSON answer, on one line of its own. */
  void printRaw(String body) {
    String b = body.strip();
    if (!b.isEmpty()) {
      out().println(b);
    }
    out().flush();
  }

  @Override
  public Integer call() {
    return perform(target(spec.commandLine()));
  }

  /**
   * The node's URL, token and trust, then the verb's own checks: usage errors (a
   * ParameterException naming {@code cmd}, null when run without a command line), before any
   * connection and any output.
   */
  Target target(CommandLine cmd) {
    URI base = api.baseUrl(cmd);
    String token = api.token(cmd);
    javax.net.ssl.SSLContext trust = api.trust(cmd, base);
    check();
    return new Target(base, token, trust);
  }

  /** Calls the node at {@code target}: the exit status, failures as one line on stderr. */
  int perform(Target target) {
    try (ApiClient client = ApiClient.open(target.base(), target.token(), api.timeout(defaultTimeout()), target.trust())) {
      return run(client);
    } catch (ApiClient.Failure f) {
      if (api.json && f.body() != null && ApiErrors.errorLine(f.body()) != null) {
        printRaw(f.body());
      }
      error(f.getMessage());
      return f.exit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Exit.INTERRUPTED;
    } catch (RuntimeException e) {
      error(Cli.oneLine(e.getMessage() == null ? e.toString() : e.getMessage(), 300));
      return Exit.REFUSED;
    } finally {
      out().flush();
    }
  }
}
