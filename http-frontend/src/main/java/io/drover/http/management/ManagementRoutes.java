package io.drover.http.management;

import static io.drover.http.management.Json.error;
import static io.drover.http.management.Json.obj;
import static io.drover.http.management.Params.firstLine;

import io.drover.supervisor.DroverEvent;
import io.drover.supervisor.config.ManagementSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
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
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * The management API's routes (docs/api.md): JSON in and out, errors always as JSON. The apps
 * ({@link AppsRoute}) and config ({@link ConfigRoute}) resources answer in classes of their own.
 */
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
  private final byte[] token;
  /** Time a request body has to arrive in full, or null for no limit. */
  private final Duration bodyTimeout;
  /** Largest request body accepted. */
  private final long maxBody;
  private final HistoryRoute history;
  private final AppsRoute apps;
  private final ConfigRoute config;

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
    this.apps = new AppsRoute(node, this.history);
    this.config = new ConfigRoute(applier);
    this.bodyTimeout = bodyTimeout;
    this.maxBody = maxBody;
    this.cluster = cluster;
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
            pathEnd(() -> get(apps::list)),
            pathPrefix(PathMatchers.segment(), apps::app))),
        path("events", () -> get(this::events)),
        path(PathMatchers.segment("events").slash("recent"), () -> get(history::recentEvents)),
        path("config", () -> concat(post(config::apply), put(config::apply))),
        path("metrics", () -> get(() -> parameterOptional("scope", scope -> scope.isEmpty() || scope.get().equals("node")
            ? scrape()
            : scope.get().equals("cluster") ? clusterScrape()
            : json(400, error("scope must be node or cluster", "found", scope.get()))))),
        path("cluster", () -> get(this::cluster)));
  }

  // ---------------------------------------------------------------- handlers

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
