package io.drover.worker;

import java.util.Map;

/**
 * What a worker knows about itself.
 *
 * @param app the app's name
 * @param instance the worker's index within the app, from 0
 * @param config the app's {@code config { ... }} block, as plain Java values (String, Number,
 *     Boolean, List, Map)
 * @param log where the worker writes its log lines (they go to the node's log with app and
 *     instance)
 */
public record WorkerContext(String app, int instance, Map<String, Object> config, Log log) {
  public WorkerContext {
    config = Map.copyOf(config);
  }

  /** A minimal logger, so that workers need no logging library. */
  public interface Log {
    void info(String message);

    void warn(String message);

    void error(String message, Throwable cause);
  }
}
