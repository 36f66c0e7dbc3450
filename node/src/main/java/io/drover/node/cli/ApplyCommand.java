package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code drover apply FILE [--dry-run]}: converge the node on a new config. */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Make the node run FILE's config, and print what changed.",
      "The node validates FILE (HOCON, as for `drover run`), diffs it against its running config"
          + " and converges: added apps start, removed apps stop, changed apps restart rolling with"
          + " their new settings, scaled apps only change their number of workers, the rest is"
          + " untouched. An invalid FILE changes nothing: every problem is printed (exit status 1)."
          + " With --dry-run the node only diffs."
    },
    footer = Exit.FOOTER)
public final class ApplyCommand extends ApiCommand {
  private static final String[] KINDS = {"added", "removed", "changed", "scaled", "unchanged"};

  @Parameters(paramLabel = "FILE", description = "the HOCON file declaring the apps")
  Path file;

  @Option(names = "--dry-run", description = "only print what would change")
  boolean dryRun;

  private String text;

  @Override
  Duration defaultTimeout() {
    return Duration.ofMinutes(10);
  }

  @Override
  void check() {
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + file + ": no such file");
    } catch (IOException | RuntimeException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "cannot read " + file + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    }
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r;
    try {
      r = client.post(path(), "text/plain; charset=UTF-8", text);
    } catch (ApiClient.Failure f) {
      List<String> problems = problems(f.body());
      if (f.exit() != Exit.REFUSED || problems.isEmpty()) {
        throw f;
      }
      if (api.json) {
        printRaw(f.body());
      }
      problems.forEach(p -> err().println(p));
      err().println(problems.size() + (problems.size() == 1 ? " error" : " errors") + "; nothing was changed");
      err().flush();
      return Exit.REFUSED;
    }
    if (api.json) {
      printRaw(r.body());
      return Exit.OK;
    }
    JsonNode diff = r.json();
    if (dryRun) {
      out().println("dry run: nothing was changed");
    }
    Cli.Table t = new Cli.Table();
    for (String kind : KINDS) {
      List<String> names = new ArrayList<>();
      diff.path(kind).forEach(n -> names.add(n.isValueNode() ? n.asText() : n.path("name").asText(n.toString())));
      t.row(kind + ":", names.isEmpty() ? "-" : String.join(", ", names));
    }
    t.print(out());
    return Exit.OK;
  }

  /**
   * POST /config with FILE's name (for the node's messages) and its directory (relative app
   * {@code cwd}s and classpaths resolve against it, as `drover validate FILE` does).
   */
  private String path() {
    Path dir = file.toAbsolutePath().normalize().getParent();
    return "/config?origin=" + Cli.seg(file.toString()) + (dir == null ? "" : "&base-dir=" + Cli.seg(dir.toString()))
        + (dryRun ? "&dry-run=true" : "");
  }

  /** The problem lines of a 400 "invalid config" answer (none for another answer). */
  private static List<String> problems(String body) {
    List<String> lines = new ArrayList<>();
    if (body == null) {
      return lines;
    }
    try {
      Json.read(body).path("problems").forEach(p -> lines.add(Cli.oneLine(p.asText(p.toString()), 1000)));
    } catch (Exception e) {
      // not JSON: no problem lines
    }
    return lines;
  }
}
