package io.drover.http.management;

import static io.drover.http.management.Json.error;
import static io.drover.http.management.Json.obj;
import static io.drover.http.management.Params.firstLine;
import static io.drover.http.management.Params.flag;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.DroverEvent;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigProblem;
import io.drover.supervisor.config.ManagementSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/** The management API's routes (docs/api.md): JSON in and out, errors always as JSON. */
final class ManagementRoutes extends AllDirectives {
  static final int MAX_INSTANCES = 10_000;
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  /** Keeps idle streams open; a named event that clients without a listener for it ignore. */
  static final ServerSentEvent KEEP_ALIVE = ServerSentEvent.create("", "heartbeat");
  private static final org.apache.pekko.http.javadsl.model.ContentType JAVASCRIPT = ContentTypes.create(
      org.apache.pekko.http.javadsl.model.MediaTypes.APPLICATION_JAVASCRIPT, org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);

  private final NodeView node;
  private final ManagementSpec spec;
  private final NodeMetrics metrics;
  private final Supplier<Boolean> ready;
  private final Supplier<CompletionStage<Map<String, Object>>> cluster;
  private final ConfigApplier applier;
  private final byte[] token;
  /** Time a request body has to arrive in full, or null for no limit. */
  private final Duration bodyTimeout;
  /** Largest request body accepted. */
  private final long maxBody;
  private final HistoryRoute history;

  /**
   * @param bodyTimeout time a request body has to arrive in full (else 408), or null for no limit
   * @param maxBody largest request body accepted (else 413)
   */
  ManagementRoutes(
      NodeView node,
      ManagementSpec spec,
      NodeMetrics metrics,
      Supplier<Boolean> ready,
      Supplier<CompletionStage<Map<String, Object>>> cluster,
      ConfigApplier applier,
      ActorRef<MetricsHistory.Command> history,
      Duration bodyTimeout,
      long maxBody) {
    this.history = new HistoryRoute(node, history);
    this.bodyTimeout = bodyTimeout;
    this.maxBody = maxBody;
    this.cluster = cluster;
    this.applier = applier;
    this.node = node;
    this.spec = spec;
    this.metrics = metrics;
    this.ready = ready;
    this.token = spec.token().map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
  }

  Route routes() {
    return handleExceptions(
        exceptions(),
        () ->
            handleRejections(
                rejections(),
                () ->
                    concat(
                        // probes need no token: they reveal nothing
                        path("health", () -> get(() -> json(200, obj("status", "ok")))),
                        path("ready", () -> get(() -> ready.get()
                            ? json(200, obj("status", "ready"))
                            : json(503, obj("status", "starting")))),
                        // the page holds no data (it asks for a token when the API wants one)
                        pathEndOrSingleSlash(() -> get(() -> dashboard("dashboard.html", ContentTypes.TEXT_HTML_UTF8))),
                        path("dashboard.js", () -> get(() -> dashboard("dashboard.js", JAVASCRIPT))),
                        authorized(() -> strictBody(this::protectedRoutes)))));
  }

  private Route protectedRoutes() {
    return concat(
        pathPrefix("apps", () -> concat(
            pathEnd(() -> get(this::listApps)),
            pathPrefix(PathMatchers.segment(), this::appRoutes))),
        path("events", () -> get(this::events)),
        path(PathMatchers.segment("events").slash("recent"), () -> get(history::recentEvents)),
        path("config", () -> concat(post(this::applyConfig), put(this::applyConfig))),
        path("metrics", () -> get(() -> parameterOptional("scope", scope -> scope.isEmpty() || scope.get().equals("node")
            ? scrape()
            : scope.get().equals("cluster") ? clusterScrape()
            : json(400, error("scope must be node or cluster", "found", scope.get()))))),
        path("cluster", () -> get(this::cluster)));
  }

  private Route appRoutes(String app) {
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

  private Route listApps() {
    return completeWithFuture(
        node.statuses().thenCombine(node.traffic(), (apps, front) -> {
          Instant now = Instant.now();
          return response(200, obj("apps", apps.stream().map(a -> Json.app(a, front, now)).toList()));
        }));
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
      return scaled.thenApply(done -> response(200, obj("app", app, "instances", done.instances())));
    });
  }

  private Route events() {
    Source<ServerSentEvent, NotUsed> source =
        ActorSource.<DroverEvent>actorRef(e -> false, e -> Optional.empty(), 1024, OverflowStrategy.dropHead())
            .mapMaterializedValue(ref -> {
              node.system.eventStream().tell(new EventStream.Subscribe<>(DroverEvent.class, ref));
              return NotUsed.getInstance();
            })
            .map(Json::event)
            .map(j -> ServerSentEvent.create(Json.write(j), (String) j.get("type")))
            .keepAlive(HEARTBEAT, () -> KEEP_ALIVE);
    return completeOK(source, EventStreamMarshalling.toEventStream());
  }

  private Route applyConfig() {
    return parameterOptional("dry-run", dry -> parameterOptional("origin", name -> parameterOptional("base-dir", dir ->
        entity(Unmarshaller.entityToString(), text -> {
      Optional<Boolean> flag = flag(dry.orElse(null));
      if (flag.isEmpty()) {
        return json(400, error("dry-run must be true or false", "field", "dry-run", "found", dry.get()));
      }
      if (name.isPresent() && !ConfigOrigin.validName(name.get())) {
        return json(400, error("origin must be a file name: 1 to " + ConfigOrigin.MAX_NAME
            + " printable characters", "field", "origin", "found", firstLine(name.get())));
      }
      Optional<Path> base = dir.flatMap(ConfigOrigin::baseDir);
      if (dir.isPresent() && base.isEmpty()) {
        return json(400, error("base-dir must be an absolute path of an existing directory on the node",
            "field", "base-dir", "found", firstLine(dir.get())));
      }
      boolean dryRun = flag.get();
      ConfigApplier.Origin origin = new ConfigApplier.Origin(name.orElse(null), base.orElse(null));
      CompletionStage<HttpResponse> answer = applier.apply(text, origin, dryRun)
          .thenApply(diff -> response(200, obj("dryRun", dryRun, "added", diff.added(), "removed", diff.removed(),
              "changed", diff.changed(), "scaled", diff.scaled(), "unchanged", diff.unchanged())))
          .exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ConfigException ce) {
              return response(400, error("invalid config",
                  "problems", ce.problems().stream().map(ConfigProblem::message).toList()));
            }
            throw e instanceof CompletionException ce2 ? ce2 : new CompletionException(e);
          });
      return completeWithFuture(answer);
    }))));
  }

  private Route scrape() {
    return completeWithFuture(localScrape().thenApply(ManagementRoutes::text));
  }

  /** This node's metrics text. */
  CompletionStage<String> localScrape() {
    return node.statuses().thenCombine(node.inFlight(), metrics::scrape);
  }

  private Route clusterScrape() {
    return completeWithFuture(ClusterScrape.scrape(node.system).thenApply(ManagementRoutes::text));
  }

  private static HttpResponse text(String body) {
    return HttpResponse.create().withEntity(
        ContentTypes.create(org.apache.pekko.http.javadsl.model.MediaTypes.TEXT_PLAIN, org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8),
        body);
  }

  private Route cluster() {
    return completeWithFuture(cluster.get().thenApply(body -> response(200, body)));
  }

  /** What {@code GET /cluster} says of a node that runs alone (it has no cluster-placed apps). */
  static Map<String, Object> alone(String self) {
    return obj(
        "clustered", false,
        "self", self,
        "members", List.of(obj("address", self, "status", "up", "roles", List.of(), "slots", Map.of())),
        "apps", Map.of(),
        "slotsKnown", true,
        "detail", "this node runs alone: no cluster is configured (drover.cluster.enabled)");
  }

  /** The page, or its script (dashboard.js, beside it). */
  private Route dashboard(String resource, org.apache.pekko.http.javadsl.model.ContentType type) {
    try (InputStream in = ManagementRoutes.class.getResourceAsStream(resource)) {
      if (in == null) {
        return json(404, error("the dashboard is not part of this build"));
      }
      return complete(HttpResponse.create().withEntity(type, in.readAllBytes()));
    } catch (IOException e) {
      return json(500, error("cannot read the dashboard: " + e.getMessage()));
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs {@code action} on the app's supervisor, or answers 404 for an unknown app. */
  private Route withApp(String app, Function<ActorRef<AppSupervisor.Command>, CompletionStage<HttpResponse>> action) {
    return completeWithFuture(node.app(app).thenCompose(ref -> ref.isPresent()
        ? action.apply(ref.get())
        : CompletableFuture.completedFuture(response(404, error("no such app", "app", app)))));
  }

  private Route authorized(Supplier<Route> inner) {
    if (token == null) {
      return inner.get();
    }
    return optionalHeaderValueByName("Authorization", header -> {
      byte[] given = header.filter(h -> h.startsWith("Bearer ")).map(h -> h.substring(7).trim().getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
      return MessageDigest.isEqual(given, token) ? inner.get() : json(401, error("missing or wrong bearer token"));
    });
  }

  private Route json(int status, Object body) {
    return complete(response(status, body));
  }

  static HttpResponse response(int status, Object body) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, Json.write(body) + "\n");
  }

  private static Duration stopBudget(AppSpec s) {
    return s.stop().drainTimeout().plus(s.stop().timeout()).plusSeconds(10);
  }

  private static Duration restartBudget(AppSpec s, int workers) {
    int batches = (Math.max(1, workers) + s.update().maxParallel() - 1) / s.update().maxParallel();
    return s.readiness().timeout().plus(stopBudget(s)).multipliedBy(batches).plusSeconds(10);
  }

  /**
   * Reads the request body in full before the routes see it, within {@link #bodyTimeout} and
   * {@link #maxBody}: a body that arrives too slowly is a 408, one too large a 413 (refused when
   * it declares its length, else as soon as the limit is passed), a malformed one a 400.
   */
  private Route strictBody(Supplier<Route> inner) {
    long timeoutMillis = bodyTimeout == null ? Long.MAX_VALUE / 2 : bodyTimeout.toMillis();
    return extractMaterializer(mat -> extractRequestEntity(entity -> onComplete(
        // the size limit fails the stream with EntityStreamSizeException: at once for a declared
        // length past it, else as soon as the bytes read pass it
        entity.withSizeLimit(maxBody).toStrict(timeoutMillis, Long.MAX_VALUE, mat),
        strict -> strict.isSuccess()
            ? mapRequest(r -> r.withEntity(strict.get()), inner)
            : complete(bodyFailed(strict.failed().get())))));
  }

  private HttpResponse bodyFailed(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof EntityStreamSizeException) {
      return response(413, error("request body larger than " + maxBody + " bytes", "limit", maxBody));
    }
    if (cause instanceof TimeoutException) {
      return response(408, error("request body not received within " + bodyTimeout.toMillis() + "ms"))
          .addHeader(Connection.create("close"));
    }
    return response(400, error("malformed request body: " + firstLine(cause.getMessage())));
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof EntityStreamSizeException) {
            return complete(bodyFailed(cause));
          }
          if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
            return json(503, error("the node did not answer in time: " + firstLine(cause.getMessage())));
          }
          return json(500, error("internal error: " + cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage())));
        })
        .build();
  }

  /** Pekko's rejections (404, 405, 400, 415, ...) with their text turned into a JSON body. */
  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler()
        .mapRejectionResponse(r -> {
          if (r.entity() instanceof HttpEntity.Strict strict && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            String text = strict.getData().utf8String();
            return r.withEntity(ContentTypes.APPLICATION_JSON, Json.write(error(text.isBlank() ? r.status().reason() : text)) + "\n");
          }
          return r;
        });
  }
}
