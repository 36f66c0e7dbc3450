package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerEvent;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import io.drover.supervisor.config.Signal;
import io.drover.supervisor.process.ProcFs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A real node in the test JVM: supervisor, front actor and Netty front on an ephemeral loopback
 * port, over worker processes running {@code web.js}. On close it stops everything and checks
 * that no worker process is left.
 */
final class FrontHarness implements AutoCloseable {
  static final Path WEB = Path.of("src/test/resources/workers/web.js").toAbsolutePath();

  final Path dir;
  final String marker = UUID.randomUUID().toString();
  final DroverSettings settings;
  final ActorTestKit kit;
  final ActorRef<Front.Command> front;
  final SnapshotHolder holder;
  final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
      new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
  final FrontServer server;
  final ActorRef<Supervisor.Command> supervisor;
  final ConcurrentLinkedQueue<WorkerEvent> events = new ConcurrentLinkedQueue<>();
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /**
   * @param apps the body of {@code drover.apps}; {@code $WEB} stands for the worker script
   */
  FrontHarness(ActorTestKit kit, String apps) throws Exception {
    this(kit, apps, "");
  }

  /**
   * @param apps the body of {@code drover.apps}; {@code $WEB} stands for the worker script
   * @param more further keys inside {@code drover { }}, e.g. {@code http.idle-timeout = 2s}
   */
  FrontHarness(ActorTestKit kit, String apps, String more) throws Exception {
    this.kit = kit;
    this.dir = Files.createTempDirectory("drover-front-test");
    String hocon =
        "drover {\n state-dir = \"" + dir.resolve("state") + "\"\n logs-dir = \"" + dir.resolve("logs") + "\"\n"
            + " http { port = 0, event-loops = 2 }\n"
            + more + "\n"
            + " app-defaults.env.DROVER_TEST = \"" + marker + "\"\n"
            + " app-defaults.readiness { type = http, path = \"/health\" }\n"
            + " apps {\n" + apps.replace("$WEB", WEB.toString()) + "\n }\n}\n";
    try {
      this.settings = ConfigLoader.parse(hocon, "test.conf", dir);
    } catch (RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
    ActorRef<WorkerEvent> recorder =
        kit.spawn(Behaviors.receiveMessage((WorkerEvent e) -> {
          events.add(e);
          return Behaviors.same();
        }));
    kit.system().eventStream().tell(new EventStream.Subscribe<>(WorkerEvent.class, recorder));
    this.holder = new SnapshotHolder();
    this.front = kit.spawn(Front.create(settings.appList(), holder, registry));
    this.server = FrontServer.start(settings.http(), holder, front, settings.logsDir(), registry);
    for (long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        holder.get() == RouteSnapshot.EMPTY && System.nanoTime() < end; ) {
      Thread.sleep(5); // the front actor's first snapshot: the routes are known
    }
    io.drover.supervisor.Drainer drainer =
        (worker, port, timeout) ->
            AskPattern.<Front.Command, Done>ask(
                front, r -> new Front.Drain(worker, port, timeout, r), timeout.plusSeconds(5), kit.system().scheduler());
    // as in the node: a revert's or a rollback's settings reach the front's routes
    this.supervisor = kit.spawn(Supervisor.create(io.drover.supervisor.DesiredState.off(settings), drainer,
        io.drover.supervisor.ClusterApps.NONE, changed -> front.tell(new Front.UpdateApps(changed))));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  RawResponse get(String path, String host) throws IOException {
    return raw("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  }

  /** Sends raw bytes and parses the answer minimally (status line and body after the blank line). */
  RawResponse raw(String request) throws IOException {
    return RawResponse.parse(rawText(request));
  }

  /** Sends raw bytes and returns everything the front answered until it closed. */
  String rawText(String request) throws IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  /** Waits until {@code n} workers of the app are ready and the front routes to all of them. */
  void awaitReady(String app, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      TestProbe<Supervisor.Apps> apps = kit.createTestProbe(Supervisor.Apps.class);
      supervisor.tell(new Supervisor.GetApps(apps.getRef()));
      TestProbe<io.drover.supervisor.AppStatus> st = kit.createTestProbe(io.drover.supervisor.AppStatus.class);
      apps.receiveMessage().apps().get(app).tell(new AppSupervisor.GetStatus(st.getRef()));
      long ready = st.receiveMessage().workers().stream().filter(w -> w.state() == WorkerState.READY).count();
      RouteSnapshot.Route route = routeOf(app);
      if (ready >= n && route != null && route.endpoints().length >= n) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(app + ": " + n + " workers not ready and routed within 30s");
  }

  RouteSnapshot.Route routeOf(String app) {
    return holder.get().routes().stream().filter(r -> r.app().equals(app)).findFirst().orElse(null);
  }

  ActorRef<AppSupervisor.Command> app(String name) {
    TestProbe<Supervisor.Apps> apps = kit.createTestProbe(Supervisor.Apps.class);
    supervisor.tell(new Supervisor.GetApps(apps.getRef()));
    return apps.receiveMessage().apps().get(name);
  }

  List<Long> liveProcesses() {
    return ProcFs.withEnvironment("DROVER_TEST", marker);
  }

  @Override
  public void close() throws Exception {
    try {
      TestProbe<Done> done = kit.createTestProbe(Done.class);
      supervisor.tell(new Supervisor.StopAll(done.getRef()));
      done.receiveMessage(Duration.ofSeconds(60));
      kit.stop(supervisor, Duration.ofSeconds(10));
      kit.stop(front, Duration.ofSeconds(10));
      List<Long> left = liveProcesses();
      for (int i = 0; i < 50 && !left.isEmpty(); i++) {
        Thread.sleep(100);
        left = liveProcesses();
      }
      assertEquals(List.of(), left, "worker processes left running");
    } finally {
      server.close();
      ProcFs.signal(Signal.KILL, 0, liveProcesses());
      deleteTree(dir);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Events seen so far of one worker state. */
  List<WorkerEvent> eventsIn(String app, WorkerState state) {
    return events.stream().filter(e -> e.app().equals(app) && e.state() == state).toList();
  }

  /** A response read off a raw socket: status, headers (lower-case names), body. */
  record RawResponse(int status, java.util.Map<String, String> headers, String body) {
    static RawResponse parse(String all) {
      int end = all.indexOf("\r\n\r\n");
      String head = end < 0 ? all : all.substring(0, end);
      String body = end < 0 ? "" : all.substring(end + 4);
      String[] lines = head.split("\r\n");
      int status = lines[0].isEmpty() ? 0 : Integer.parseInt(lines[0].split(" ")[1]);
      java.util.Map<String, String> headers = new java.util.HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int c = lines[i].indexOf(':');
        if (c > 0) {
          headers.put(lines[i].substring(0, c).trim().toLowerCase(), lines[i].substring(c + 1).trim());
        }
      }
      return new RawResponse(status, headers, body);
    }
  }
}
