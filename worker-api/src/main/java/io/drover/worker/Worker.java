package io.drover.worker;

import java.util.concurrent.CompletionStage;

/**
 * A worker of an app with {@code kind = actor}: Drover creates {@code instances} of the class
 * named by {@code class} (each in the app's own class loader, with a public no-argument
 * constructor), calls {@link #start} once, then {@link #handle} for every request the front
 * routes to it, and {@link #stop} when it stops the worker.
 *
 * <p>Each app's workers run on a thread pool of their own, so a worker may block or burn CPU in
 * {@code handle} without stalling the front, the supervisor or other apps. A worker handles at
 * most {@code max-in-flight} requests at once; calls to {@code handle} of one worker may come
 * from several threads of the pool when {@code max-in-flight > 1}.
 *
 * <p>Failures follow the app's restart rules: an exception from {@code start} is a failed start
 * (backoff, then a new instance); an exception from {@code handle} answers 500 and counts toward
 * {@code failure-threshold}, past which the worker is restarted; a request slower than {@code
 * route.request-timeout} answers 504 and counts as a missed liveness check.
 *
 * <pre>{@code
 * public final class HelloWorker implements Worker {
 *   private String greeting;
 *
 *   public void start(WorkerContext context) {
 *     greeting = context.config().getOrDefault("greeting", "hello").toString();
 *   }
 *
 *   public CompletionStage<Response> handle(Request request) {
 *     return CompletableFuture.completedFuture(Response.text(200, greeting + " " + request.path()));
 *   }
 * }
 * }</pre>
 */
public interface Worker {
  /** Prepares the worker; throwing fails the start. */
  default void start(WorkerContext context) throws Exception {}

  /** Answers one request. The stage may complete on any thread. */
  CompletionStage<Response> handle(Request request) throws Exception;

  /** Releases what {@link #start} took; called once, after the last request. */
  default void stop() throws Exception {}
}
