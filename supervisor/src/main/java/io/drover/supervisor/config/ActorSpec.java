package io.drover.supervisor.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How an app with {@code kind = actor} runs its workers: instances of a {@code Worker} class.
 *
 * @param className the fully qualified class implementing {@code io.drover.worker.Worker}
 * @param classpath jars and class directories the class is loaded from (its own class loader)
 * @param config the {@code config} block handed to each worker, as plain Java values
 * @param maxInFlight requests one worker handles at once
 * @param maxQueue requests waiting per worker when it is busy; more answer 503
 * @param threads threads of the app's own pool
 * @param failureThreshold exceptions from {@code handle} in a row before the worker restarts
 */
public record ActorSpec(
    String className,
    List<Path> classpath,
    Map<String, Object> config,
    int maxInFlight,
    int maxQueue,
    int threads,
    int failureThreshold) {

  public ActorSpec {
    classpath = List.copyOf(classpath);
    config = Map.copyOf(config);
  }
}
