package io.drover.http.management;

import static io.drover.http.management.Json.error;
import static io.drover.http.management.Json.obj;
import static io.drover.http.management.ManagementRoutes.response;
import static io.drover.http.management.Params.firstLine;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.config.AppSpec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code GET /apps} and everything under {@code /apps/{app}}: an app's status, scaling, restarts,
 * stop and start, its deployments, logs ({@link LogsRoute}) and history ({@link HistoryRoute}).
 */
final class AppsRoute extends AllDirectives {
  private static final int MAX_INSTANCES = ManagementRoutes.MAX_INSTANCES;

  private final NodeView node;
  private final HistoryRoute history;

  AppsRoute(NodeView node, HistoryRoute history) {
    this.node = node;
    this.history = history;
  }

  /** {@code GET /apps}: every app's status. */
  Route list() {
    return completeWithFuture(
        node.statuses().thenCombine(node.traffic(), (apps, front) -> {
          Instant now = Instant.now();
          return response(200, obj("apps", apps.stream().map(a -> Json.app(a, front, now)).toList()));
        }));
  }

  /** The routes under {@code /apps/{app}}. */
  Route app(String app) {
    return concat(
        pathEnd(() -> get(() -> getApp(app))),
        path("scale", () -> post(() -> entity(Unmarshaller.entityToString(), body -> scale(app, body)))),
        path("restart", () -> post(() -> restart(app))),
        path(PathMatchers.segment("workers").slash(PathMatchers.integerSegment()).slash("restart"),
            i -> post(() -> restartWorker(app, i))),
        path("deployments", () -> get(() -> deployments(app))),
        path(PathMatchers.segment("deployments").slash("promote"),
            () -> post(() -> deploymentStep(app, AppSupervisor.Promote::new))),
        path(PathMatchers.segment("deployments").slash("rollback"),
            () -> post(() -> deploymentStep(app, AppSupervisor.Rollback::new))),
        path("stop", () -> post(() -> stop(app))),
        path("start", () -> post(() -> start(app))),
        path("logs", () -> get(() -> parameterMap(params -> new LogsRoute(node).logs(app, params)))),
        path("history", () -> get(() -> parameterMap(params -> onSuccess(node.app(app), ref -> ref.isPresent()
            ? history.history(app, params)
            : json(404, error("no such app", "app", app)))))));
  }

  // ---------------------------------------------------------------- handlers

  private Route getApp(String app) {
    return withApp(app, ref -> node.status(ref).thenCombine(node.traffic(), (status, front) -> {
      Map<String, Object> body = Json.app(status, front, Instant.now());
      body.put("spec", Json.spec(status.spec()));
      return body;
    }).thenCombine(deploymentsOf(ref), (body, deployments) -> {
      body.put("deployment", Json.deployment(deployments.current()));
      return response(200, body);
    }));
  }

  /** The app's deployments (none known when its supervisor does not answer in time). */
  private CompletionStage<AppSupervisor.Deployments> deploymentsOf(ActorRef<AppSupervisor.Command> ref) {
    CompletionStage<AppSupervisor.Deployments> asked = node.ask(ref, AppSupervisor.GetDeployments::new, NodeView.QUERY);
    return asked.exceptionally(e -> new AppSupervisor.Deployments(null, null, List.of()));
  }

  private Route deployments(String app) {
    return withApp(app, ref -> {
      CompletionStage<AppSupervisor.Deployments> asked = node.ask(ref, AppSupervisor.GetDeployments::new, NodeView.QUERY);
      return asked.thenApply(d -> response(200, obj("app", app, "current", Json.deployment(d.current()),
          "recent", d.recent().stream().map(Json::deployment).toList())));
    });
  }

  /** A promote or a rollback: 200 when done, 409 (with why) when there is nothing to do it to. */
  private Route deploymentStep(String app, Function<ActorRef<AppSupervisor.DeploymentAnswer>, AppSupervisor.Command> step) {
    return withApp(app, ref -> {
      CompletionStage<AppSupervisor.DeploymentAnswer> asked = node.ask(ref, step, NodeView.QUERY);
      return asked.thenApply(a -> a.done()
          ? response(200, obj("app", app, "done", true, "detail", a.detail()))
          : response(409, error(a.detail(), "app", app)));
    });
  }

  private Route restart(String app) {
    return withApp(app, ref -> node.status(ref).thenCompose(status -> {
      Duration budget = restartBudget(status.spec(), status.spec().instances());
      CompletionStage<AppSupervisor.RollingResult> done = node.ask(ref, AppSupervisor.RestartRolling::new, budget);
      return done.thenApply(r -> response(r.completed() ? 200 : 409, obj("app", app, "completed", r.completed(), "detail", r.detail())));
    }));
  }

  private Route restartWorker(String app, int instance) {
    return withApp(app, ref -> node.status(ref).thenCompose(status -> {
      Duration budget = restartBudget(status.spec(), 1);
      CompletionStage<AppSupervisor.RollingResult> done =
          node.ask(ref, r -> new AppSupervisor.RestartWorker(instance, r), budget);
      return done.thenApply(r -> {
        if (r.detail().startsWith("no worker")) {
          return response(404, error("no such worker", "app", app, "instance", instance));
        }
        return response(r.completed() ? 200 : 409, obj("app", app, "instance", instance, "completed", r.completed(), "detail", r.detail()));
      });
    }));
  }

  private Route stop(String app) {
    return withApp(app, ref -> node.status(ref).thenCompose(status -> {
      CompletionStage<org.apache.pekko.Done> done = node.ask(ref, AppSupervisor.StopApp::new, stopBudget(status.spec()));
      return done.thenApply(d -> response(200, obj("app", app, "state", "stopped")));
    }));
  }

  private Route start(String app) {
    return withApp(app, ref -> {
      ref.tell(AppSupervisor.StartApp.INSTANCE);
      return CompletableFuture.completedFuture(response(200, obj("app", app, "state", "running")));
    });
  }

  private Route scale(String app, String body) {
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return json(400, error("body is not JSON: " + firstLine(e.getMessage()), "expected", "{\"instances\": n}"));
    }
    JsonNode n = json == null ? null : json.get("instances");
    if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1 || n.asInt() > MAX_INSTANCES) {
      return json(400, error("instances must be an integer from 1 to " + MAX_INSTANCES, "field", "instances",
          "found", n == null ? null : n.toString()));
    }
    int instances = n.asInt();
    return withApp(app, ref -> {
      CompletionStage<AppSupervisor.Scaled> scaled = node.ask(ref, r -> new AppSupervisor.Scale(instances, r), NodeView.QUERY);
      return scaled.thenApply(done -> done.failure() == null
          ? response(200, obj("app", app, "instances", done.instances()))
          : response(503, error(done.failure(), "app", app, "instances", instances)));
    });
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs {@code action} on the app's supervisor, or answers 404 for an unknown app. */
  private Route withApp(String app, Function<ActorRef<AppSupervisor.Command>, CompletionStage<HttpResponse>> action) {
    return completeWithFuture(node.app(app).thenCompose(ref -> ref.isPresent()
        ? action.apply(ref.get())
        : CompletableFuture.completedFuture(response(404, error("no such app", "app", app)))));
  }

  private Route json(int status, Object body) {
    return complete(response(status, body));
  }

  private static Duration stopBudget(AppSpec s) {
    return s.stop().drainTimeout().plus(s.stop().timeout()).plusSeconds(10);
  }

  private static Duration restartBudget(AppSpec s, int workers) {
    int batches = (Math.max(1, workers) + s.update().maxParallel() - 1) / s.update().maxParallel();
    return s.readiness().timeout().plus(stopBudget(s)).multipliedBy(batches).plusSeconds(10);
  }
}
