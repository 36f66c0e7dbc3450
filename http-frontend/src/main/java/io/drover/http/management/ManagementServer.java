package io.drover.http.management;

import io.drover.http.front.Front;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.ManagementSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/** The management API (docs/api.md) on its own port, served by Pekko HTTP. */
public final class ManagementServer {
  private final ServerBinding binding;

  private ManagementServer(ServerBinding binding) {
    this.binding = binding;
  }

  /**
   * Binds the API; fails when the address cannot be bound.
   *
   * @param cluster describes the cluster for {@code GET /cluster} (see docs/api.md)
   * @param applier applies {@code POST /config}: to this node, or to every node of a cluster
   */
  public static ManagementServer start(
      ActorSystem<?> system,
      ManagementSpec spec,
      ActorRef<Supervisor.Command> supervisor,
      ActorRef<Front.Command> front,
      NodeMetrics metrics,
      Supplier<Boolean> ready,
      Supplier<Map<String, Object>> cluster,
      ConfigApplier applier)
      throws Exception {
    NodeView view = new NodeView(system, supervisor, front);
    ManagementRoutes routes = new ManagementRoutes(view, spec, metrics, ready, cluster, applier);
    ServerBinding binding =
        Http.get(system)
            .newServerAt(spec.iface(), spec.port())
            .bind(routes.routes())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return new ManagementServer(binding);
  }

  /** {@code GET /cluster} for a node that runs alone. */
  public static Supplier<Map<String, Object>> alone(ActorSystem<?> system) {
    return () -> ManagementRoutes.alone(system.address().toString());
  }

  public InetSocketAddress address() {
    return binding.localAddress();
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  /** Stops accepting connections; open ones finish within {@code grace}. */
  public void stop(Duration grace) {
    binding.terminate(grace).toCompletableFuture().join();
  }
}
