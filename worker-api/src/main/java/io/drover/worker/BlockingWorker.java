package io.drover.worker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link Worker} written as a plain blocking method: it runs on the app's own thread pool, so
 * blocking or CPU-heavy work is fine here.
 */
public interface BlockingWorker extends Worker {
  /** Answers one request, blocking as long as it needs. */
  Response handleBlocking(Request request) throws Exception;

  @Override
  default CompletionStage<Response> handle(Request request) throws Exception {
    return CompletableFuture.completedFuture(handleBlocking(request));
  }
}
