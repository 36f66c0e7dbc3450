package io.drover.http.management;

import static io.drover.http.management.Json.error;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /apps/{app}/history[?since=MILLIS]}: the app's last minutes as {@link MetricsHistory}
 * keeps them, all of them or only the points taken after {@code since} (epoch millis, the last
 * {@code t} a client has), so that a page polls for what is new.
 */
final class HistoryRoute extends AllDirectives {
  private final NodeView node;
  private final ActorRef<MetricsHistory.Command> history;

  HistoryRoute(NodeView node, ActorRef<MetricsHistory.Command> history) {
    this.node = node;
    this.history = history;
  }

  /** {@code GET /events/recent}: the last lifecycle events, oldest first. */
  Route recentEvents() {
    return completeWithFuture(node.<MetricsHistory.Command, Map<String, Object>>ask(
            history, MetricsHistory.GetEvents::new, NodeView.QUERY)
        .thenApply(body -> ManagementRoutes.response(200, body)));
  }

  /** Answers for an app known to exist. */
  Route history(String app, Map<String, String> params) {
    String given = params.get("since");
    long since;
    try {
      since = given == null ? Long.MIN_VALUE : Long.parseLong(given);
    } catch (NumberFormatException e) {
      return complete(ManagementRoutes.response(400,
          error("since must be a time in milliseconds since the epoch", "field", "since", "found", given)));
    }
    CompletionStage<HttpResponse> answer = node.<MetricsHistory.Command, Map<String, Object>>ask(
            history, r -> new MetricsHistory.Get(app, since, r), NodeView.QUERY)
        .thenApply(body -> ManagementRoutes.response(200, body));
    return completeWithFuture(answer);
  }
}
