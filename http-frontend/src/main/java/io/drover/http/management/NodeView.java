package io.drover.http.management;

import io.drover.http.front.Front;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.DroverSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** The management API's window on the node: asks the supervisor, the apps and the front. */
final class NodeView {
  /** Time an actor has to answer a query (not an operation that waits for workers). */
  static final Duration QUERY = Duration.ofSeconds(5);

  final ActorSystem<?> system;
  final ActorRef<Supervisor.Command> supervisor;
  final ActorRef<Front.Command> front;

  NodeView(ActorSystem<?> system, ActorRef<Supervisor.Command> supervisor, ActorRef<Front.Command> front) {
    this.system = system;
    this.supervisor = supervisor;
    this.front = front;
  }

  <Req, Res> CompletionStage<Res> ask(ActorRef<Req> to, Function<ActorRef<Res>, Req> message, Duration timeout) {
    return AskPattern.ask(to, message::apply, timeout, system.scheduler());
  }

  CompletionStage<Map<String, ActorRef<AppSupervisor.Command>>> apps() {
    return this.<Supervisor.Command, Supervisor.Apps>ask(supervisor, Supervisor.GetApps::new, QUERY).thenApply(Supervisor.Apps::apps);
  }

  CompletionStage<Optional<ActorRef<AppSupervisor.Command>>> app(String name) {
    return apps().thenApply(a -> Optional.ofNullable(a.get(name)));
  }

  CompletionStage<AppStatus> status(ActorRef<AppSupervisor.Command> app) {
    return ask(app, AppSupervisor.GetStatus::new, QUERY);
  }

  /** Every app's status, in declaration order. */
  CompletionStage<List<AppStatus>> statuses() {
    return apps().thenCompose(apps -> {
      List<CompletableFuture<AppStatus>> all = new ArrayList<>();
      apps.values().forEach(a -> all.add(status(a).toCompletableFuture()));
      return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
          .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
    });
  }

  CompletionStage<Map<String, Map<Integer, Integer>>> inFlight() {
    return traffic().thenApply(Front.InFlight::byApp);
  }

  /** The front's requests in flight per worker, and each app's slots, queue and ejected workers. */
  CompletionStage<Front.InFlight> traffic() {
    return this.<Front.Command, Front.InFlight>ask(front, Front.GetInFlight::new, QUERY);
  }

  CompletionStage<DroverSettings> settings() {
    return ask(supervisor, Supervisor.GetSettings::new, QUERY);
  }
}
