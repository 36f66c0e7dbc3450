package io.drover.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code drover logs APP [--worker I] [--err] [--tail N] [-f]}. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = {
      "Print the last lines of a worker's stdout or stderr.",
      "With -f, then keep printing new lines as they come, until Ctrl-C. Logs are text: --json"
          + " prints one JSON object per line, {\"app\",\"worker\",\"stream\",\"line\"}."
    },
    footer = Exit.FOOTER)
public final class LogsCommand extends ApiCommand {
  @Parameters(paramLabel = "APP", description = "the app")
  String app;

  @Option(names = "--worker", paramLabel = "I", defaultValue = "0", description = "the worker (instance), default ${DEFAULT-VALUE}")
  int worker;

  @Option(names = "--err", description = "its stderr instead of its stdout")
  boolean stderr;

  @Option(names = "--tail", paramLabel = "N", description = "the last N lines (default: the node's, 100)")
  Integer tail;

  @Option(names = {"-f", "--follow"}, description = "then follow: print each new line until Ctrl-C")
  boolean follow;

  @Override
  void check() {
    if (tail != null && tail < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tail: expected 0 or more lines");
    }
  }

  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    String stream = stderr ? "err" : "out";
    String path =
        "/apps/" + Cli.seg(app) + "/logs?worker=" + worker + "&stream=" + stream
            + (tail == null ? "" : "&tail=" + tail) + (follow ? "&follow=true" : "");
    PrintWriter out = out();
    if (!follow) {
      String body = client.get(path).body();
      if (api.json) {
        String text = body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
        if (!body.isEmpty()) {
          for (String line : text.split("\n", -1)) {
            print(out, stream, line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
          }
        }
      } else {
        out.print(body);
        if (!body.isEmpty() && !body.endsWith("\n")) {
          out.println();
        }
      }
      out.flush();
      return Exit.OK;
    }
    client.stream(path, () -> {}, line -> {
      String data = Sse.dataOf(line);
      if (data != null && !data.isEmpty()) { // "data:" alone is the node's heartbeat
        print(out, stream, data);
      }
      return !out.checkError(); // stdout gone (| head): stop
    });
    if (out.checkError()) {
      return Exit.OK; // our reader went away (| head)
    }
    error("the node at " + client.base() + " ended the log stream");
    return Exit.OK;
  }

  private void print(PrintWriter out, String stream, String line) {
    if (!api.json) {
      out.println(line);
    } else {
      var o = ApiClient.JSON.createObjectNode().put("app", app).put("worker", worker).put("stream", stream).put("line", line);
      try {
        out.println(ApiClient.JSON.writeValueAsString(o));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    out.flush();
  }
}
