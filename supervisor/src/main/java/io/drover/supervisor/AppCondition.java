package io.drover.supervisor;

import java.time.Instant;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.slf4j.Logger;

/**
 * What one app shows of itself: its state and detail (as its status has them) and the {@link
 * AppEvent} that tells each change on the event stream; and, once workers were started, the one
 * word that all of them are ready. The {@link AppSupervisor} decides the changes; this keeps and
 * tells them. Called only from the supervisor's actor.
 */
final class AppCondition {
  private final ActorSystem<?> system;
  private final Logger log;
  private final AppSettings settings;
  private final WorkerTable table;
  private AppState state = AppState.RUNNING;
  private String detail = "started";
  /** Workers were started: once all are ready, the app's detail says so. */
  private boolean awaitingReady;

  AppCondition(ActorSystem<?> system, Logger log, AppSettings settings, WorkerTable table) {
    this.system = system;
    this.log = log;
    this.settings = settings;
    this.table = table;
  }

  AppState state() {
    return state;
  }

  String detail() {
    return detail;
  }

  boolean running() {
    return state == AppState.RUNNING;
  }

  /** Why a request that needs running workers is refused. */
  String notRunning() {
    return "not running (" + state.label() + ")";
  }

  /** The app goes to {@code to}, and says why. */
  void become(AppState to, String why) {
    state = to;
    detail = why;
    announce(why);
  }

  /** Tells what happened as the app's detail and an event, in its current state. */
  void update(String why) {
    become(state, why);
  }

  /** Tells what happened: logged, and the app's detail and an event, in its current state. */
  void report(String what) {
    log.info("[{}] {}", settings.name(), what);
    update(what);
  }

  /** Publishes an event in the app's current state, which it leaves as it is (the detail, too). */
  void announce(String why) {
    system.eventStream().tell(new EventStream.Publish<>(new AppEvent(Instant.now(), settings.name(), state, why)));
  }

  /** Workers were started: once every worker is ready, {@link #announceReady} says so. */
  void awaitReady() {
    awaitingReady = true;
  }

  /** After a start or a scale-up: once every worker is ready, the app's detail says so. */
  void announceReady() {
    if (awaitingReady && state == AppState.RUNNING && table.allReady()) {
      awaitingReady = false;
      int n = table.workers.size();
      become(AppState.RUNNING, n + (n == 1 ? " worker" : " workers") + " ready");
    }
  }
}
