package io.drover.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code drover logs APP [--worker I] [--err] [--tail N] [-f]}. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = {
      "Print the last lines of APP's workers' stdout or stderr.",
      "Without --worker, every worker's lines, each prefixed with its name (web-0 | ...), worker by"
          + " worker; with -f, each worker's last lines and then every new line of any of them as it"
          + " comes, until Ctrl-C (the workers APP has when the command starts). Logs are text: --json prints one JSON"
          + " object per line, {\"app\",\"worker\",\"stream\",\"line\"}, without prefixes."
    },
    footer = Exit.FOOTER)
public final class LogsCommand extends ApiCommand {
  @Parameters(paramLabel = "APP", description = "the app")
  String app;

  @Option(names = "--worker", paramLabel = "I", description = "only this worker (instance), its lines without a prefix")
  Integer worker;

  @Option(names = "--err", description = "stderr instead of stdout")
  boolean stderr;

  @Option(names = "--tail", paramLabel = "N", description = "the last N lines of each worker (default: the node's, 100)")
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
    List<Integer> workers = new ArrayList<>();
    if (worker != null) {
      workers.add(worker);
    } else {
      for (JsonNode w : client.get("/apps/" + Cli.seg(app)).json().path("workers")) {
        workers.add(w.path("instance").asInt());
      }
    }
    if (!follow) {
      for (int w : workers) {
        printTail(client, w);
      }
      return Exit.OK;
    }
    if (workers.size() == 1) {
      follow(client, workers.get(0));
    } else {
      followAll(client, workers);
    }
    if (out().checkError()) {
      return Exit.OK; // our reader went away (| head)
    }
    error("the node at " + client.base() + " ended the log stream");
    return Exit.OK;
  }

  private String stream() {
    return stderr ? "err" : "out";
  }

  private String path(int instance) {
    return "/apps/" + Cli.seg(app) + "/logs?worker=" + instance + "&stream=" + stream()
        + (tail == null ? "" : "&tail=" + tail) + (follow ? "&follow=true" : "");
  }

  /** The last lines of one worker. */
  private void printTail(ApiClient client, int instance) throws ApiClient.Failure, InterruptedException {
    String body = client.get(path(instance)).body();
    String text = body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
    if (!body.isEmpty()) {
      for (String line : text.split("\n", -1)) {
        print(instance, line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
      }
    }
    out().flush();
  }

  /** One worker's last lines and then its new ones, until the node or our reader ends the stream. */
  private void follow(ApiClient client, int instance) throws ApiClient.Failure, InterruptedException {
    PrintWriter out = out();
    client.stream(path(instance), () -> {}, line -> {
      String data = Sse.dataOf(line);
      if (data != null && !data.isEmpty()) { // "data:" alone is the node's heartbeat
        print(instance, data);
      }
      return !out.checkError(); // stdout gone (| head): stop
    });
  }

  /** Every worker's stream at once, a thread each; the first to end (or fail) ends the command. */
  private void followAll(ApiClient client, List<Integer> workers) throws ApiClient.Failure, InterruptedException {
    AtomicReference<Object> ended = new AtomicReference<>(); // a Failure, or the worker whose stream ended
    Thread caller = Thread.currentThread();
    List<Thread> threads = new ArrayList<>();
    for (int w : workers) {
      Thread t = new Thread(() -> {
        Object end = w;
        try {
          follow(client, w);
        } catch (ApiClient.Failure f) {
          end = f;
        } catch (InterruptedException e) {
          return; // the command ends
        }
        if (ended.compareAndSet(null, end)) {
          caller.interrupt();
        }
      }, "drover-logs-" + w);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    try {
      for (Thread t : threads) {
        t.join();
      }
    } catch (InterruptedException e) {
      if (ended.get() == null) {
        throw e; // Ctrl-C, or our caller's interrupt
      }
      Thread.interrupted(); // a stream ended: so does the command
    } finally {
      threads.forEach(Thread::interrupt);
      for (Thread t : threads) {
        t.join(5_000);
      }
    }
    Thread.interrupted(); // a stream ended after all were joined: its interrupt is not for our caller
    if (ended.get() instanceof ApiClient.Failure f) {
      throw f;
    }
  }

  /** A line as such with --worker, else after its worker's name; --json: as a JSON object. */
  private void print(int instance, String line) {
    PrintWriter out = out();
    synchronized (out) {
      if (!api.json) {
        out.println(worker == null ? app + "-" + instance + " | " + line : line);
      } else {
        var o = Json.mapper().createObjectNode().put("app", app).put("worker", instance).put("stream", stream()).put("line", line);
        try {
          out.println(Json.mapper().writeValueAsString(o));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      out.flush();
    }
  }
}
