package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.AppState;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.WorkerStatus;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /cluster}'s slot part ({@link ClusterView}): every slot under the member its worker
 * runs on, every cluster-placed app summed up, and an app or supervisor that does not answer in
 * time marked unknown while the rest is answered. The supervisor is the real one; the cluster-wide
 * app actors are stand-ins that answer with a given status, or never.
 */
class ClusterViewTest {
  static final String A = "pekko://drover@127.0.0.1:25501";
  static final String B = "pekko://drover@127.0.0.1:25502";
  static final String C = "pekko://drover@127.0.0.1:25503";

  Path dir;
  ActorSystem<Void> system;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-cluster-view-test");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
    assertFalse(Files.exists(dir));
  }

  DroverSettings settings(String apps) {
    return ConfigLoader.parse("drover {\n home = \"" + dir + "\"\n http.enabled = off\n management.enabled = off\n"
        + " cluster { enabled = on, port = 0 }\n apps {\n" + apps + " }\n}\n", "cluster-view-test.conf", dir);
  }

  static WorkerStatus worker(String app, int i, WorkerState state, String node, String detail) {
    Instant now = Instant.now();
    return new WorkerStatus(app, i, state, node == null ? 0 : 4000 + i, node == null ? 0 : 30000 + i, 0, now,
        node == null ? null : now, 0, detail, node);
  }

  /** The members part as {@link ClusterMembership#view} makes it. */
  static Map<String, Object> members(String... addresses) {
    List<Map<String, Object>> members = new ArrayList<>();
    for (String a : addresses) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("address", a);
      m.put("status", "up");
      m.put("roles", List.of());
      m.put("reachable", true);
      members.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("clustered", true);
    body.put("self", addresses[0]);
    body.put("members", members);
    body.put("detail", addresses.length + " members");
    return body;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> member(Map<String, Object> body, String address) {
    for (Object m : (List<Object>) body.get("members")) {
      if (((Map<String, Object>) m).get("address").equals(address)) {
        return (Map<String, Object>) m;
      }
    }
    throw new AssertionError("no member " + address + " in " + body);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> app(Map<String, Object> body, String app) {
    return (Map<String, Object>) ((Map<String, Object>) body.get("apps")).get(app);
  }

  @Test
  void eachSlotIsListedUnderTheMemberItRunsOnAndEveryAppIsSummedUp() {
    DroverSettings s = settings(
        "  web { command = [\"true\"], instances = 5, placement = cluster }\n"
            + "  api { command = [\"true\"], instances = 2, placement = cluster }\n"
            + "  db { command = [\"true\"], instances = 1, placement = cluster }\n");
    AppSpec web = s.apps().get("web");
    AppSpec api = s.apps().get("api");
    AppStatus webStatus = new AppStatus("web", AppState.RUNNING, "3 of 5 slots ready on 2 node(s)", List.of(
        worker("web", 0, WorkerState.READY, A, "ready"),
        worker("web", 1, WorkerState.READY, B, "ready"),
        worker("web", 2, WorkerState.STARTING, A, "spawned"),
        worker("web", 3, WorkerState.READY, A, "ready"),
        worker("web", 4, WorkerState.STARTING, null, "slot not running: no answer from the slot's node within 3s")), web);
    AppStatus apiStatus = new AppStatus("api", AppState.RUNNING, "2 of 2 slots ready on 1 node(s)", List.of(
        worker("api", 0, WorkerState.READY, B, "ready"),
        worker("api", 1, WorkerState.READY, B, "ready")), api);
    ClusterView.Gathered gathered = new ClusterView.Gathered(List.of(
        new ClusterView.AppSlots("web", 5, webStatus, null),
        new ClusterView.AppSlots("api", 2, apiStatus, null),
        new ClusterView.AppSlots("db", 1, null, "the app did not answer within 5s")), null);

    Map<String, Object> body = ClusterView.body(members(A, B, C), gathered);

    assertEquals(Map.of("web", List.of(0, 2, 3)), member(body, A).get("slots"), body.toString());
    assertEquals(List.of("web", "api"), List.copyOf(((Map<?, ?>) member(body, B).get("slots")).keySet()), "declaration order");
    assertEquals(Map.of("web", List.of(1), "api", List.of(0, 1)), member(body, B).get("slots"), body.toString());
    assertEquals(Map.of(), member(body, C).get("slots"), "a member without slots has none");
    assertEquals("up", member(body, C).get("status"), "the membership fields stay");

    Map<String, Object> w = app(body, "web");
    assertEquals(true, w.get("known"));
    assertEquals(5, w.get("declared"));
    assertEquals(3, w.get("ready"));
    assertEquals(4, w.get("placed"));
    assertEquals(List.of(4), w.get("unplaced"));
    assertEquals(Map.of("4", "slot not running: no answer from the slot's node within 3s"), w.get("why"));
    assertEquals("running", w.get("state"));
    Map<String, Object> a = app(body, "api");
    assertEquals(List.of(), a.get("unplaced"));
    assertEquals(2, a.get("ready"));
    Map<String, Object> db = app(body, "db");
    assertEquals(false, db.get("known"));
    assertEquals(1, db.get("declared"));
    assertEquals("the app did not answer within 5s", db.get("detail"));
    assertNull(db.get("ready"), "nothing is made up for an unknown app");

    assertEquals(false, body.get("slotsKnown"));
    assertEquals("3 members, 5 of 7 slots ready; slots of db unknown (no answer within 5s)", body.get("detail"));
    assertEquals(true, body.get("clustered"));
    assertEquals(A, body.get("self"));
  }

  @Test
  void anAppThatDoesNotAnswerIsUnknownAndTheOthersAreAnsweredInTime() throws Exception {
    DroverSettings s = settings(
        "  web { command = [\"true\"], instances = 2, placement = cluster }\n"
            + "  slow { command = [\"true\"], instances = 3, placement = cluster }\n");
    AppSpec web = s.apps().get("web");
    AppStatus webStatus = new AppStatus("web", AppState.RUNNING, "2 of 2 slots ready on 2 node(s)", List.of(
        worker("web", 0, WorkerState.READY, B, "ready"),
        worker("web", 1, WorkerState.READY, A, "ready")), web);
    system = ActorSystem.create(Behaviors.empty(), "cluster-view-test");
    ActorRef<Supervisor.Command> supervisor = system.systemActorOf(
        Supervisor.create(s, (worker, port, timeout) -> java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance()),
            (spec, sup) -> spec.name().equals("web") ? answering(webStatus) : Behaviors.<AppSupervisor.Command>ignore()),
        "supervisor", org.apache.pekko.actor.typed.Props.empty());

    long t0 = System.nanoTime();
    Map<String, Object> body = ClusterView.of(system, supervisor, () -> members(A, B)).get()
        .toCompletableFuture().get(ClusterView.STATUS.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertTrue(ms >= ClusterView.STATUS.toMillis() - 100 && ms < ClusterView.STATUS.toMillis() + 3_000,
        "answered after the slow app's time ran out, not much later: " + ms + " ms");
    assertEquals(Map.of("web", List.of(1)), member(body, A).get("slots"), body.toString());
    assertEquals(Map.of("web", List.of(0)), member(body, B).get("slots"), body.toString());
    assertEquals(2, app(body, "web").get("ready"));
    assertEquals(false, app(body, "slow").get("known"), body.toString());
    assertEquals(3, app(body, "slow").get("declared"));
    assertEquals("the app did not answer within 5s", app(body, "slow").get("detail"));
    assertEquals(false, body.get("slotsKnown"));
    assertEquals("2 members, 2 of 2 slots ready; slots of slow unknown (no answer within 5s)", body.get("detail"));
  }

  @Test
  void aSupervisorThatDoesNotAnswerLeavesTheMembersAndSaysWhy() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "cluster-view-test");
    ActorRef<Supervisor.Command> silent = system.systemActorOf(Behaviors.<Supervisor.Command>ignore(), "silent", org.apache.pekko.actor.typed.Props.empty());

    long t0 = System.nanoTime();
    Map<String, Object> body = ClusterView.of(system, silent, () -> members(A, B, C)).get()
        .toCompletableFuture().get(ClusterView.QUERY.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertTrue(ms < ClusterView.QUERY.toMillis() + 3_000, "answered in " + ms + " ms");
    assertEquals(3, ((List<?>) body.get("members")).size(), body.toString());
    assertEquals(Map.of(), member(body, C).get("slots"));
    assertEquals(Map.of(), body.get("apps"));
    assertEquals(false, body.get("slotsKnown"));
    assertEquals("3 members; slots unknown: the supervisor did not answer within 2s", body.get("detail"));
  }

  /** A cluster-wide app actor that answers every status query with {@code status}. */
  static Behavior<AppSupervisor.Command> answering(AppStatus status) {
    return Behaviors.receive(AppSupervisor.Command.class)
        .onMessage(AppSupervisor.GetStatus.class, m -> {
          m.replyTo().tell(status);
          return Behaviors.same();
        })
        .build();
  }

  @Test
  void membersStayWhenNoAppIsPlacedOnTheCluster() {
    Map<String, Object> body = ClusterView.body(members(A), new ClusterView.Gathered(List.of(), null));
    assertEquals(Map.of(), member(body, A).get("slots"));
    assertEquals(Map.of(), body.get("apps"));
    assertEquals(true, body.get("slotsKnown"));
    assertEquals("1 members", body.get("detail"));
  }
}
