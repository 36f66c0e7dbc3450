package io.drover.http.management;

import io.drover.http.front.Front;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.ManagementSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ServerSettings;

/**
 * The management API (docs/api.md) on its own port, served by Pekko HTTP with the limits of
 * {@code pekko.http.server}: a connection without a request in progress must send its next request
 * head within {@code idle-timeout} ({@link RequestHeadTimeout}), a request body must arrive in full
 * within {@code idle-timeout} and stay within {@code parsing.max-content-length}; every error,
 * including requests Pekko cannot parse ({@link JsonParsingErrors}), is a JSON body.
 */
public final class ManagementServer {
  /**
   * Socket receive buffer of API connections. Pekko HTTP's request parser recurses once per
   * request found in one read, so thousands of tiny pipelined requests in one read overflow the
   * stack and the node exits (StackOverflowError is fatal to Pekko). A small receive buffer keeps
   * each read, and so the recursion, small; the API's requests are small anyway.
   */
  static final int RECEIVE_BUFFER = 4 * 1024;
  /** The longest a client may take to send a request head, or a body, whatever idle-timeout is. */
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

  private final ServerBinding binding;
  /** The certificate when the API speaks HTTPS, else null. */
  private final ManagementTls tls;
  /** This node's part of GET /metrics?scope=cluster. */
  private final org.apache.pekko.actor.typed.ActorRef<ClusterScrape.Scrape> scrapes;

  /** The recent past the dashboard draws (GET /apps/{app}/history). */
  private final ActorRef<MetricsHistory.Command> history;

  private ManagementServer(ServerBinding binding, ManagementTls tls,
      org.apache.pekko.actor.typed.ActorRef<ClusterScrape.Scrape> scrapes, ActorRef<MetricsHistory.Command> history) {
    this.binding = binding;
    this.tls = tls;
    this.scrapes = scrapes;
    this.history = history;
  }

  /**
   * Binds the API, over HTTPS when {@code spec.tls()} is set; fails when the address cannot be
   * bound or the certificate files no longer check.
   *
   * @param cluster describes the cluster for {@code GET /cluster} (see docs/api.md); asked once
   *     per request, it must not block: its answer completes when gathered
   * @param applier applies {@code POST /config}: to this node, or to every node of a cluster
   */
  public static ManagementServer start(
      ActorSystem<?> system,
      ManagementSpec spec,
      ActorRef<Supervisor.Command> supervisor,
      ActorRef<Front.Command> front,
      NodeMetrics metrics,
      Supplier<Boolean> ready,
      Supplier<CompletionStage<Map<String, Object>>> cluster,
      ConfigApplier applier)
      throws Exception {
    ServerSettings settings = ServerSettings.create(com.typesafe.config.ConfigFactory
        .parseString("pekko.http.server { parsing.error-handler = \"" + JsonParsingErrors.class.getName() + "\"\n"
            + " socket-options.so-receive-buffer-size = " + RECEIVE_BUFFER + " }")
        .withFallback(system.settings().config()));
    scala.concurrent.duration.Duration idle = settings.getTimeouts().idleTimeout();
    // a request head and body must arrive within 30 s (idle-timeout when shorter): idle-timeout
    // itself stays above request-timeout so that a long operation's answer is not cut
    Duration bodyTimeout = idle.isFinite() ? min(Duration.ofMillis(idle.toMillis()), CLIENT_TIMEOUT) : CLIENT_TIMEOUT;
    long maxBody = settings.getParserSettings().getMaxContentLength();
    NodeView view = new NodeView(system, supervisor, front);
    ActorRef<MetricsHistory.Command> history =
        system.systemActorOf(MetricsHistory.create(view, metrics.registry()), "history-" + UUID.randomUUID(), Props.empty());
    ManagementRoutes routes = new ManagementRoutes(view, spec, metrics, ready, cluster, applier, history, bodyTimeout, maxBody);

    org.apache.pekko.stream.javadsl.Flow<org.apache.pekko.http.javadsl.model.HttpRequest, org.apache.pekko.http.javadsl.model.HttpResponse, ?> handler =
        routes.routes().flow(system);
    handler = RequestHeadTimeout.of(bodyTimeout).join(handler);
    ServerBinding binding;
    ManagementTls tls = null;
    try {
      ServerBuilder server = Http.get(system).newServerAt(spec.iface(), spec.port()).withSettings(settings);
      if (spec.tls().isPresent()) {
        tls = ManagementTls.start(spec.tls().get());
        server = server.enableHttps(ConnectionContext.httpsServer(tls::engine));
      }
      binding = server.bindFlow(handler).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      history.tell(MetricsHistory.Stop.INSTANCE);
      if (tls != null) {
        tls.close();
      }
      throw e;
    }
    // this node's part of GET /metrics?scope=cluster (listed once the API is bound; gone with it)
    return new ManagementServer(binding, tls,
        system.systemActorOf(ClusterScrape.responder(routes::localScrape), "metrics-" + UUID.randomUUID(), Props.empty()),
        history);
  }

  /** {@code GET /cluster} for a node that runs alone. */
  public static Supplier<CompletionStage<Map<String, Object>>> alone(ActorSystem<?> system) {
    return () -> CompletableFuture.completedFuture(ManagementRoutes.alone(system.address().toString()));
  }

  public InetSocketAddress address() {
    return binding.localAddress();
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  /** The certificate's reload counts when the API speaks HTTPS, else null. */
  ManagementTls tls() {
    return tls;
  }

  /** Stops accepting connections; open ones finish within {@code grace}. */
  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  public void stop(Duration grace) {
    scrapes.unsafeUpcast().tell(ClusterScrape.Stop.INSTANCE);
    history.tell(MetricsHistory.Stop.INSTANCE);
    binding.terminate(grace).toCompletableFuture().join();
    if (tls != null) {
      tls.close();
    }
  }
}
