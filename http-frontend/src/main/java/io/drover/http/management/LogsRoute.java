package io.drover.http.management;

import static io.drover.http.management.Json.error;
import static io.drover.http.management.Params.flag;
import static io.drover.http.management.Params.intParam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code GET /apps/{app}/logs}: the last lines of a worker's log, or those and every line after
 * them as server-sent events ({@code ?follow}).
 */
final class LogsRoute extends AllDirectives {
  private static final Duration LOG_POLL = Duration.ofMillis(250);
  private static final int MAX_INSTANCES = ManagementRoutes.MAX_INSTANCES;
  private static final Duration HEARTBEAT = ManagementRoutes.HEARTBEAT;
  private static final ServerSentEvent KEEP_ALIVE = ManagementRoutes.KEEP_ALIVE;

  private final NodeView node;

  LogsRoute(NodeView node) {
    this.node = node;
  }

  Route logs(String app, Map<String, String> params) {
    Optional<Boolean> follow = flag(params.get("follow"));
    if (follow.isEmpty()) {
      return json(400, error("follow must be true or false", "field", "follow", "found", params.get("follow")));
    }
    Optional<Integer> worker = intParam(params.get("worker"), 0, MAX_INSTANCES);
    Optional<Integer> tail = intParam(params.get("tail"), 0, 100_000);
    String stream = params.getOrDefault("stream", "out");
    if (params.containsKey("worker") && worker.isEmpty()) {
      return json(400, error("worker must be an instance number", "field", "worker", "found", params.get("worker")));
    }
    if (params.containsKey("tail") && tail.isEmpty()) {
      return json(400, error("tail must be an integer from 0 to 100000", "field", "tail", "found", params.get("tail")));
    }
    if (!stream.equals("out") && !stream.equals("err")) {
      return json(400, error("stream must be out or err", "field", "stream", "found", stream));
    }
    int lines = tail.orElse(100);
    int instance = worker.orElse(0);
    return onSuccess(node.app(app).thenCombine(node.settings(), (ref, settings) -> ref.map(r -> settings)), found -> {
      if (found.isEmpty()) {
        return json(404, error("no such app", "app", app));
      }
      Path file = found.get().logsDir().resolve(app).resolve(app + "-" + instance + "." + stream);
      // a worker beyond the configured count has a log once it ran: scaled up (by the API or
      // autoscale), or scaled down since
      if (instance >= found.get().apps().get(app).instances() && !Files.exists(file)) {
        return json(404, error("no such worker", "app", app, "instance", instance));
      }
      LogTailer tailer = new LogTailer(file);
      List<String> last;
      try {
        last = tailer.last(lines);
      } catch (IOException e) {
        return json(500, error("cannot read the log: " + e.getMessage(), "app", app));
      }
      if (!follow.get()) {
        return complete(HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8,
            last.isEmpty() ? "" : String.join("\n", last) + "\n"));
      }
      Source<ServerSentEvent, NotUsed> more =
          Source.tick(LOG_POLL, LOG_POLL, "tick")
              .mapConcat(t -> tailer.poll())
              .map(ServerSentEvent::create)
              .mapMaterializedValue(c -> NotUsed.getInstance());
      Source<ServerSentEvent, NotUsed> all =
          Source.from(last).map(ServerSentEvent::create).concat(more).keepAlive(HEARTBEAT, () -> KEEP_ALIVE);
      return completeOK(all, EventStreamMarshalling.toEventStream());
    });
  }

  private Route json(int status, Object body) {
    return complete(ManagementRoutes.response(status, body));
  }
}
