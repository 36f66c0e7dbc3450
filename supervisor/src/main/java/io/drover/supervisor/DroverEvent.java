package io.drover.supervisor;

import java.time.Instant;

/**
 * A lifecycle change, published on the actor system's event stream. Subscribe with {@code
 * system.eventStream().tell(new EventStream.Subscribe<>(DroverEvent.class, ref))}.
 */
public sealed interface DroverEvent permits WorkerEvent, AppEvent, RouteEvent {
  Instant at();

  String app();
}
