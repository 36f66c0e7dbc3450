package io.drover.http.front;

import io.drover.worker.BlockingWorker;
import io.drover.worker.Request;
import io.drover.worker.Response;
import io.drover.worker.Worker;
import io.drover.worker.WorkerContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Worker classes for the actor-worker tests. */
public final class TestWorkers {
  private TestWorkers() {}

  /** Answers with its name, the method, path, query and body length. */
  public static final class Echo implements Worker {
    private String name;

    @Override
    public void start(WorkerContext context) {
      name = context.app() + "-" + context.instance();
    }

    @Override
    public CompletionStage<Response> handle(Request r) {
      return CompletableFuture.completedFuture(
          Response.text(200, name + " " + r.method() + " " + r.path() + "?" + r.query() + " " + r.body().length)
              .withHeader("x-worker", name));
    }
  }

  /** Blocks its thread for config "ms" milliseconds per request. */
  public static final class Sleep implements BlockingWorker {
    private long ms;

    @Override
    public void start(WorkerContext context) {
      ms = ((Number) context.config().getOrDefault("ms", 2000)).longValue();
    }

    @Override
    public Response handleBlocking(Request r) throws InterruptedException {
      Thread.sleep(ms);
      return Response.text(200, "slept " + ms);
    }
  }

  /** Cannot start. */
  public static final class FailStart implements Worker {
    @Override
    public void start(WorkerContext context) {
      throw new IllegalStateException("no database");
    }

    @Override
    public CompletionStage<Response> handle(Request r) {
      throw new AssertionError("never started");
    }
  }

  /** Throws on /boom, answers otherwise. */
  public static final class FailHandle implements BlockingWorker {
    @Override
    public Response handleBlocking(Request r) {
      if (r.path().endsWith("/boom")) {
        throw new IllegalArgumentException("boom");
      }
      return Response.text(200, "fine");
    }
  }
}
