package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  static final Path VALID = Path.of("src/test/resources/config/valid");
  static final String MINIMAL = "drover.apps.web.command = [\"node\", \"server.js\"]";

  @TempDir Path tmp;

  @Test
  void fullConfigSetsEveryKey() {
    DroverSettings settings = ConfigLoader.load(VALID.resolve("full.conf"));

    assertEquals(Optional.of(VALID.resolve("full.conf")), settings.source());
    assertEquals(Path.of("/var/lib/drover/state"), settings.stateDir());
    assertEquals(Path.of("drover-logs").toAbsolutePath(), settings.logsDir());
    assertEquals(List.of("web", "worker", "batch"), List.copyOf(settings.apps().keySet()));
    assertEquals(
        new HttpSpec(
            false,
            "::1",
            9090,
            4,
            IoKind.IO_URING,
            LoopScheduling.NORMAL,
            Duration.ofMillis(500),
            Duration.ofMinutes(2),
            4 * 1024,
            1024 * 1024,
            Duration.ofSeconds(3),
            8,
            true,
            java.util.EnumSet.of(ForwardedHeader.X_FORWARDED_FOR, ForwardedHeader.X_REQUEST_ID),
            new AccessLogSpec(true, AccessLogSpec.Format.JSON, new LogSpec(20L * 1024 * 1024, 3)),
            false,
            new TlsSpec(false, 8443, new TlsSpec.Pair(Path.of(""), Path.of("")), java.util.Map.of(), Duration.ofSeconds(5), 0),
            new Http2Spec(true, false, 128, 200, 30)),
        settings.http());

    AppSpec web = settings.apps().get("web");
    assertEquals("web", web.name());
    assertEquals(WorkerKind.PROCESS, web.kind());
    assertEquals(List.of("node", "server.js", "--port", "0"), web.command());
    assertEquals(VALID.toAbsolutePath().getParent(), web.cwd());
    assertEquals(Map.of("NODE_ENV", "production", "WORKERS", "4", "DEBUG", "false"), web.env());
    assertEquals(3, web.instances());
    RouteSpec plain = new RouteSpec("example.com", "/api", true, BalancerKind.LEAST_REQUESTS, 0, Duration.ofSeconds(15), false);
    assertEquals(
        new RouteSpec(plain.host(), plain.prefix(), plain.stripPrefix(), plain.balancer(), plain.retries(), plain.requestTimeout(),
            plain.preferOwnNode(), plain.capacity(), plain.sticky(), plain.outlier(), plain.retryBudget(), AccessLogSpec.Choice.OFF),
        web.route());
    assertEquals(
        new ProbeSpec(ProbeType.HTTP, "/health", Duration.ofMillis(100), Duration.ofSeconds(10), 0),
        web.readiness());
    assertEquals(
        new ProbeSpec(ProbeType.TCP, "/alive", Duration.ofSeconds(1), Duration.ofMillis(500), 5),
        web.liveness());
    assertEquals(
        new RestartSpec(
            RestartPolicy.TRANSIENT,
            RestartStrategy.REST_FOR_ONE,
            new BackoffSpec(Duration.ofMillis(50), Duration.ofSeconds(2), 0.5),
            3,
            Duration.ofSeconds(30),
            Duration.ZERO,
            Optional.empty()),
        web.restart());
    assertEquals(new StopSpec(Signal.INT, Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(5)), web.stop());
    assertEquals(OptionalLong.of(512L * 1024 * 1024), web.maxMemory());
    assertEquals(Duration.ofSeconds(1), web.memoryCheckInterval());
    assertEquals(new LogSpec(1024 * 1024, 0), web.logs());

    AppSpec worker = settings.apps().get("worker");
    assertEquals(Runtime.getRuntime().availableProcessors(), worker.instances());
    assertEquals(Optional.of(Duration.ofSeconds(30)), worker.restart().retryAfterGiveUp());
    assertEquals(Signal.TERM, worker.stop().signal());
    assertEquals(
        reference().getDuration("drover.app-defaults.stop.drain-timeout"),
        worker.stop().drainTimeout());
    assertEquals(OptionalLong.of(1024L * 1024 * 1024), worker.maxMemory());
    assertEquals(2, worker.logs().keep(), "drover.app-defaults applies to every app");
    assertEquals(defaultRoute(), worker.route());
    assertFalse(worker.route().routed());

    AppSpec batch = settings.apps().get("batch");
    assertEquals(List.of("./batch.sh"), batch.command());
    RouteSpec route = defaultRoute();
    assertEquals(
        new RouteSpec(
            "", "/batch", false, route.balancer(), route.retries(), route.requestTimeout(), false),
        batch.route());
  }

  @Test
  void minimalAppGetsEveryDefaultFromReferenceConf() {
    DroverSettings settings = ConfigLoader.parse(MINIMAL, "minimal.conf", tmp);
    Config defaults = reference().getConfig("drover.app-defaults");
    AppSpec web = settings.apps().get("web");

    assertEquals(List.of("node", "server.js"), web.command());
    assertEquals(WorkerKind.PROCESS.configName(), defaults.getString("kind"));
    assertEquals(WorkerKind.PROCESS, web.kind());
    assertEquals(tmp.toAbsolutePath().resolve(defaults.getString("cwd")).normalize(), web.cwd());
    assertTrue(web.env().isEmpty());
    assertEquals(defaults.getInt("instances"), web.instances());
    assertEquals(defaultRoute().withPrefix("/"), web.route(), "a config's only app is routed at /");
    assertProbe(defaults.getConfig("readiness"), 0, web.readiness());
    int failures = defaults.getInt("liveness.failures");
    assertProbe(defaults.getConfig("liveness"), failures, web.liveness());

    Config restart = defaults.getConfig("restart");
    assertEquals(restart.getString("policy"), Reader.configName(web.restart().policy()));
    assertEquals(restart.getString("strategy"), Reader.configName(web.restart().strategy()));
    assertEquals(
        new BackoffSpec(
            restart.getDuration("backoff.min"),
            restart.getDuration("backoff.max"),
            restart.getDouble("backoff.random-factor")),
        web.restart().backoff());
    assertEquals(restart.getInt("max-restarts"), web.restart().maxRestarts());
    assertEquals(restart.getDuration("within"), web.restart().within());
    assertEquals(restart.getDuration("min-uptime"), web.restart().minUptime());
    String onGiveUp = restart.getString("on-give-up"); // "retry-after <duration>"
    assertEquals(
        Optional.of(
            ConfigFactory.parseString("d = " + onGiveUp.substring("retry-after".length()))
                .getDuration("d")),
        web.restart().retryAfterGiveUp());
    assertEquals(defaults.getString("stop.signal"), web.stop().signal().name());
    assertEquals(defaults.getDuration("stop.timeout"), web.stop().timeout());
    assertEquals(defaults.getDuration("stop.drain-timeout"), web.stop().drainTimeout());
    assertEquals("off", defaults.getString("max-memory"));
    assertEquals(OptionalLong.empty(), web.maxMemory());
    assertEquals(defaults.getDuration("memory-check-interval"), web.memoryCheckInterval());
    assertEquals(
        new LogSpec(defaults.getBytes("logs.max-size"), defaults.getInt("logs.keep")), web.logs());

    Path home = Path.of(reference().getString("drover.home")).toAbsolutePath();
    assertEquals(home.resolve("state"), settings.stateDir());
    assertEquals(home.resolve("logs"), settings.logsDir());
    assertEquals(Optional.empty(), settings.source());

    Config http = reference().getConfig("drover.http");
    assertEquals(
        new HttpSpec(
            http.getBoolean("enabled"),
            http.getString("interface"),
            http.getInt("port"),
            http.getInt("event-loops"),
            IoKind.valueOf(http.getString("transport").toUpperCase()),
            LoopScheduling.valueOf(http.getString("loop-scheduling").toUpperCase()),
            http.getDuration("connect-timeout"),
            http.getDuration("idle-timeout"),
            (int) http.getBytes("max-initial-line").longValue(),
            (int) http.getMemorySize("max-header-size").toBytes(),
            http.getDuration("pool-idle-timeout"),
            http.getInt("pool-max-idle"),
            http.getBoolean("via"),
            java.util.EnumSet.allOf(ForwardedHeader.class),
            new AccessLogSpec(http.getBoolean("access-log.enabled"),
                AccessLogSpec.Format.valueOf(http.getString("access-log.format").toUpperCase()),
                new LogSpec(http.getBytes("access-log.max-size"), http.getInt("access-log.keep"))),
            http.getBoolean("redirect-to-https"),
            new TlsSpec(
                http.getBoolean("tls.enabled"),
                http.getInt("tls.port"),
                new TlsSpec.Pair(Path.of(http.getString("tls.cert")), Path.of(http.getString("tls.key"))),
                java.util.Map.of(),
                http.getDuration("tls.reload-interval"),
                http.getInt("tls.event-loops")),
            new Http2Spec(
                http.getBoolean("http2.enabled"),
                http.getBoolean("http2.h2c"),
                http.getInt("http2.max-concurrent-streams"),
                http.getInt("http2.max-resets"),
                (int) http.getDuration("http2.reset-window").toSeconds())),
        settings.http());
  }

  @Test
  void actorAppsReadTheirWorkerClassAndLimits() {
    DroverSettings settings = ConfigLoader.load(VALID.resolve("actor.conf"));
    Config defaults = reference().getConfig("drover.app-defaults");

    AppSpec hash = settings.apps().get("hash");
    assertEquals(WorkerKind.ACTOR, hash.kind());
    assertEquals(List.of(), hash.command());
    Path dir = VALID.toAbsolutePath();
    assertEquals(
        new ActorSpec(
            "com.example.HashWorker",
            List.of(dir.resolve("lib/hash-worker.jar"), dir.resolve("lib")),
            Map.of(
                "algorithm", "sha-256",
                "rounds", 2,
                "salted", true,
                "ratio", 0.5,
                "tags", List.of("a", "b"),
                "limits", Map.of("keys", 100)),
            8,
            0,
            3 * 8,
            2),
        hash.actor());
    assertEquals(64 * 1024, hash.maxBody());
    assertEquals(ProbeType.NONE, hash.readiness().type(), "the default tcp probe is not used");
    assertEquals(defaults.getDuration("readiness.timeout"), hash.readiness().timeout());
    assertEquals(ProbeType.NONE, hash.liveness().type());
    assertEquals(OptionalLong.empty(), hash.maxMemory());
    RouteSpec route = defaultRoute();
    assertEquals(
        new RouteSpec(
            "", "/hash", false, route.balancer(), route.retries(), route.requestTimeout(), false)
            // the front gives a worker no more than its max-in-flight (8); max-queue 0 per worker: no queue
            .withCapacity(new CapacitySpec(8, 0, Duration.ofSeconds(30), Duration.ZERO)),
        hash.route());

    AppSpec echo = settings.apps().get("echo");
    ActorSpec actor = echo.actor();
    assertEquals("io.drover.examples.Echo$Worker", actor.className());
    assertEquals(List.of(), actor.classpath(), "classes shipped with Drover need no classpath");
    assertEquals(Map.of("region", "eu"), actor.config(), "config is inherited from app-defaults");
    assertEquals(defaults.getBytes("max-body"), echo.maxBody());
    assertEquals(defaults.getInt("max-in-flight"), actor.maxInFlight());
    assertEquals(defaults.getInt("max-queue"), actor.maxQueue());
    assertEquals(64, actor.threads(), "computed threads are capped at 64");
    assertEquals(defaults.getInt("failure-threshold"), actor.failureThreshold());
    assertEquals(ProbeType.NONE, echo.readiness().type());
    assertEquals(Duration.ofSeconds(5), echo.readiness().timeout());

    AppSpec web = settings.apps().get("web");
    assertEquals(WorkerKind.PROCESS, web.kind());
    assertEquals(null, web.actor());
    assertEquals(ProbeType.TCP, web.readiness().type());
  }

  @ParameterizedTest
  @CsvSource({
    "1, 1, 0, 1",
    "2, 3, 0, 6",
    "1, 64, 0, 64",
    "2, 64, 0, 64",
    "5, 4, 3, 3",
    "1, 1, 1024, 1024"
  })
  void actorThreadsAreComputedWhenZero(int instances, int maxInFlight, int threads, int expected) {
    String text =
        "drover.apps.a { kind = actor, class = A, instances = "
            + instances
            + ", max-in-flight = "
            + maxInFlight
            + ", threads = "
            + threads
            + " }";
    assertEquals(
        expected, ConfigLoader.parse(text, "threads.conf", tmp).apps().get("a").actor().threads());
  }

  @ParameterizedTest
  @ValueSource(strings = {"A", "a.b.C", "_x.$Y", "com.example.Outer$Inner", "été.K", "x1.y2.Z"})
  void actorClassAcceptsBinaryNames(String name) {
    assertTrue(ActorReader.isBinaryName(name), name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", ".", "a.", ".a", "a..b", "1a", "a-b", "a b", "a/b", "int", "a.class.B", "_"})
  void actorClassRefusesOtherNames(String name) {
    assertFalse(ActorReader.isBinaryName(name), name);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "max-body = 1 | 1",
        "max-body = 1G | 1073741824",
        "max-in-flight = 10000 | 10000",
        "max-queue = 1000000 | 1000000",
        "failure-threshold = 10000 | 10000"
      })
  void actorLimitsAcceptTheirBoundaries(String setting, long value) {
    String text = "drover.apps.a { kind = actor, class = A, " + setting + " }";
    AppSpec app = ConfigLoader.parse(text, "edge.conf", tmp).apps().get("a");
    ActorSpec actor = app.actor();
    String key = setting.substring(0, setting.indexOf(' '));
    long actual =
        switch (key) {
          case "max-body" -> app.maxBody();
          case "max-in-flight" -> actor.maxInFlight();
          case "max-queue" -> actor.maxQueue();
          default -> actor.failureThreshold();
        };
    assertEquals(value, actual);
  }

  @Test
  void actorKeysAreIgnoredForProcessApps() {
    String text = MINIMAL + "\ndrover.apps.web { class = \"not a class\", max-in-flight = 0 }";
    assertEquals(null, ConfigLoader.parse(text, "process.conf", tmp).apps().get("web").actor());
  }

  @Test
  void actorKindInAppDefaultsAppliesToEveryApp() {
    String text = "drover.app-defaults.kind = actor\ndrover.apps { a.class = A, b.class = B }";
    Map<String, AppSpec> apps = ConfigLoader.parse(text, "defaults.conf", tmp).apps();
    assertEquals(WorkerKind.ACTOR, apps.get("a").kind());
    assertEquals("B", apps.get("b").actor().className());
  }

  @Test
  void clusterPlacedAppsAutoscaleTheirSlots() {
    String text = "drover.cluster.enabled = on\n"
        + "drover.apps.web { command = [\"node\", \"w.js\"], placement = cluster, instances = 2, autoscale { min = 1, max = 5, target = 3 } }\n";
    AppSpec web = ConfigLoader.parse(text, "cluster-autoscale.conf", tmp).apps().get("web");
    assertTrue(web.clusterPlaced());
    assertEquals(new AutoscaleSpec(1, 5, 3, Duration.ZERO, Duration.ofMinutes(5), Duration.ofSeconds(1)), web.autoscale());
  }

  @Test
  void configWithoutAppsStillReadsTheHttpFront() {
    HttpSpec http = ConfigLoader.parse("drover.http.port = 0", "front.conf", tmp).http();
    assertEquals(0, http.port());
    assertEquals(reference().getString("drover.http.interface"), http.iface());
  }

  /** The route an app gets from reference.conf alone. */
  @Test
  void theOnlyAppIsRoutedAtSlashUnlessItsRouteSaysOtherwise() {
    assertEquals("/", ConfigLoader.parse(MINIMAL, "lone.conf", tmp).apps().get("web").route().prefix());

    String unrouted = MINIMAL + "\ndrover.apps.web.route.prefix = \"\"";
    assertFalse(ConfigLoader.parse(unrouted, "unrouted.conf", tmp).apps().get("web").route().routed(),
        "an explicit prefix \"\" keeps it unrouted");

    RouteSpec byHost = ConfigLoader.parse(MINIMAL + "\ndrover.apps.web.route.host = \"a.example\"", "host.conf", tmp)
        .apps().get("web").route();
    assertEquals("a.example", byHost.host());
    assertEquals("", byHost.prefix(), "a host route is the user's choice, left as written");

    String viaDefaults = MINIMAL + "\ndrover.app-defaults.route.prefix = \"/api\"";
    assertEquals("/api", ConfigLoader.parse(viaDefaults, "defaults.conf", tmp).apps().get("web").route().prefix());

    String two = MINIMAL + "\ndrover.apps.batch.command = [\"./batch.sh\"]";
    DroverSettings both = ConfigLoader.parse(two, "two.conf", tmp);
    assertFalse(both.apps().get("web").route().routed(), "with two apps, only a declared route routes");
    assertFalse(both.apps().get("batch").route().routed());
  }

  static RouteSpec defaultRoute() {
    Config route = reference().getConfig("drover.app-defaults.route");
    return new RouteSpec(
        route.getString("host"),
        route.getString("prefix"),
        route.getBoolean("strip-prefix"),
        BalancerKind.valueOf(route.getString("balancer").toUpperCase().replace('-', '_')),
        route.getInt("retries"),
        route.getDuration("request-timeout"),
        route.getBoolean("prefer-own-node"));
  }

  private static void assertProbe(Config probe, int failures, ProbeSpec actual) {
    assertEquals(
        new ProbeSpec(
            ProbeType.valueOf(probe.getString("type").toUpperCase()),
            probe.getString("path"),
            probe.getDuration("interval"),
            probe.getDuration("timeout"),
            failures),
        actual);
  }

  @Test
  void instancesCoresIsTheNumberOfAvailableProcessors() {
    DroverSettings settings =
        ConfigLoader.parse(MINIMAL + "\ndrover.apps.web.instances = cores", "cores.conf", tmp);
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(cores, settings.apps().get("web").instances());
  }

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "SIGTERM", "term", "sigterm", "SigTerm"})
  void stopSignalAcceptsNamesWithAndWithoutSigInAnyCase(String name) {
    DroverSettings settings =
        ConfigLoader.parse(MINIMAL + "\ndrover.apps.web.stop.signal = " + name, "sig.conf", tmp);
    assertEquals(Signal.TERM, settings.apps().get("web").stop().signal());
  }

  @ParameterizedTest
  @CsvSource({
    "round-robin, ROUND_ROBIN",
    "least-requests, LEAST_REQUESTS",
    "Least-Requests, LEAST_REQUESTS"
  })
  void balancerUsesItsConfigNames(String name, BalancerKind expected) {
    String text = MINIMAL + "\ndrover.apps.web.route.balancer = " + name;
    RouteSpec route = ConfigLoader.parse(text, "balancer.conf", tmp).apps().get("web").route();
    assertEquals(expected, route.balancer());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "10.1.2.3",
        "::",
        "::1",
        "fe80::1",
        "2001:db8::8a2e:370:7334",
        "2001:0DB8:0000:0000:0000:ff00:0042:8329",
        "1:2:3:4:5:6:7::",
        "::ffff:192.0.2.1",
        "64:ff9b::10.0.0.1",
        "localhost",
        "LocalHost"
      })
  void httpInterfaceAcceptsIpLiteralsAndLocalhost(String address) {
    String text = "drover.http.interface = \"" + address + "\"";
    assertEquals(address, ConfigLoader.parse(text, "iface.conf", tmp).http().iface());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "example.com",
        "localhost.localdomain",
        "256.0.0.1",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",
        "1.2.3.-4",
        "127.1",
        ":::",
        "1::2::3",
        ":1::",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8::",
        "12345::",
        "::g",
        "[::1]",
        "fe80::1%eth0",
        "1.2.3.4::",
        "::1.2.3",
        " 127.0.0.1",
        "127.0.0.1:8080"
      })
  void httpInterfaceRefusesHostNamesAndMalformedAddresses(String address) {
    String text = "drover.http.interface = \"" + address + "\"";
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.parse(text, "iface.conf", tmp));
    assertEquals(
        List.of(
            "iface.conf:1: drover.http.interface: found "
                + Reader.quoteText(address)
                + ", expected "
                + HttpReader.INTERFACE),
        messages(e));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "drover.http.port = 0",
        "drover.http.port = 65535",
        "drover.http.event-loops = 256",
        "drover.http.max-initial-line = 1K",
        "drover.http.max-initial-line = 1024",
        "drover.http.max-header-size = 1M",
        "drover.http.max-header-size = 1024K",
        "drover.http.pool-max-idle = 0",
        "drover.http.pool-max-idle = 10000",
        "drover.http.enabled = false",
        "drover.app-defaults.route.retries = 0",
        "drover.app-defaults.route.retries = 10",
        "drover.app-defaults.route.request-timeout = 1ms",
        "drover.app-defaults.stop.drain-timeout = 0",
        "drover.app-defaults.stop.drain-timeout = 0s"
      })
  void boundaryValuesAreAccepted(String setting) {
    ConfigLoader.parse(MINIMAL + "\n" + setting, "edge.conf", tmp);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "drover.http.port = 65536 | an integer from 0 to 65535",
        "drover.http.port = -1 | an integer from 0 to 65535",
        "drover.http.port = 80.5 | an integer from 0 to 65535",
        "drover.http.event-loops = 257 | an integer from 0 to 256",
        "drover.http.max-initial-line = 1023 | a size between 1K and 1M",
        "drover.http.max-header-size = 1025K | a size between 1K and 1M",
        "drover.http.max-header-size = 1G | a size between 1K and 1M",
        "drover.http.pool-max-idle = 10001 | an integer from 0 to 10000",
        "drover.http.idle-timeout = 0 | " + Reader.DURATION,
        "drover.http.via = sometimes | true or false",
        "drover.http.transport = kqueue | one of io_uring, epoll, nio",
        "drover.app-defaults.route.retries = 11 | an integer from 0 to 10",
        "drover.app-defaults.route.request-timeout = 0s | " + Reader.DURATION,
        "drover.app-defaults.stop.drain-timeout = -1ms | " + Reader.DURATION_OR_ZERO
      })
  void valuesJustOutOfRangeAreRefused(String setting, String expected) {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(MINIMAL + "\n" + setting, "edge.conf", tmp));
    String key = setting.substring(0, setting.indexOf(' '));
    String value = setting.substring(setting.indexOf('=') + 2);
    assertEquals(1, e.problems().size(), messages(e).toString());
    ConfigProblem problem = e.problems().get(0);
    assertEquals(key, problem.key());
    assertEquals(expected, problem.expected());
    assertTrue(problem.found().contains(value), problem.found());
  }

  @Test
  void forwardHeadersAreAnyOfTheFourOrNone() {
    assertEquals(java.util.Set.of(),
        ConfigLoader.parse(MINIMAL + "\ndrover.http.forward-headers = []", "fwd.conf", tmp).http().forwardHeaders());
    assertEquals(java.util.Set.of(ForwardedHeader.X_FORWARDED_PROTO),
        ConfigLoader.parse(MINIMAL + "\ndrover.http.forward-headers = [X-Forwarded-Proto]", "fwd.conf", tmp).http().forwardHeaders());
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
        MINIMAL + "\ndrover.http.forward-headers = [x-forwarded-for, forwarded, 3]", "fwd.conf", tmp));
    String expected = "a list of x-forwarded-for, x-forwarded-proto, x-forwarded-host, x-request-id (any of them, or [])";
    assertEquals(List.of("\"forwarded\" at index 1", "3 at index 2"), e.problems().stream().map(ConfigProblem::found).toList());
    e.problems().forEach(p -> {
      assertEquals("drover.http.forward-headers", p.key());
      assertEquals(expected, p.expected());
      assertEquals(2, p.line());
    });
    e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
        MINIMAL + "\ndrover.http.forward-headers = x-forwarded-for", "fwd.conf", tmp));
    assertEquals(expected, e.problems().get(0).expected());
  }

  @Test
  void restartEnumsUseTheirConfigNames() {
    String text =
        MINIMAL + "\ndrover.apps.web.restart { policy = temporary, strategy = one-for-all }";
    RestartSpec restart = ConfigLoader.parse(text, "enums.conf", tmp).apps().get("web").restart();
    assertEquals(RestartPolicy.TEMPORARY, restart.policy());
    assertEquals(RestartStrategy.ONE_FOR_ALL, restart.strategy());
  }

  @Test
  void appsKeepTheirDeclarationOrder() {
    String text =
        "drover.apps {\n  zeta.command = [z]\n  alpha.command = [a]\n  mid.command = [m]\n}";
    DroverSettings settings = ConfigLoader.parse(text, "order.conf", tmp);
    assertEquals(List.of("zeta", "alpha", "mid"), List.copyOf(settings.apps().keySet()));
  }

  @Test
  void homeIsSubstitutedIntoStateAndLogsDirectories() {
    DroverSettings settings = ConfigLoader.parse("drover.home = \"/srv/drover\"", "home.conf", tmp);
    assertEquals(Path.of("/srv/drover/state"), settings.stateDir());
    assertEquals(Path.of("/srv/drover/logs"), settings.logsDir());
  }

  @Test
  void relativeCwdResolvesAgainstTheConfigFilesDirectory() throws IOException {
    Files.createDirectories(tmp.resolve("conf/app"));
    Path file = tmp.resolve("conf/drover.conf");
    Files.writeString(file, MINIMAL + "\ndrover.apps.web.cwd = app\n");
    assertEquals(tmp.resolve("conf/app"), ConfigLoader.load(file).apps().get("web").cwd());
  }

  @Test
  void emptyAppsIsAValidNodeWithNothingToRun() {
    assertTrue(ConfigLoader.parse("drover.apps {}", "empty.conf", tmp).apps().isEmpty());
    assertTrue(ConfigLoader.parse("", "blank.conf", tmp).apps().isEmpty());
  }

  @Test
  void parseNamesTheOriginInMessages() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(MINIMAL + "\ndrover.apps.web.instances = 0", "apply", tmp));
    assertEquals(
        List.of(
            "apply:2: drover.apps.web.instances: "
                + "found 0, expected a positive integer or \"cores\""),
        messages(e));
  }

  @Test
  void missingFileIsOneProblemNamingTheFileAsGiven() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("no/such.conf")));
    assertEquals(
        List.of("no/such.conf: found no such file, expected a readable UTF-8 HOCON file"),
        messages(e));
  }

  @Test
  void directoryIsOneProblem() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(tmp));
    assertEquals(
        List.of(tmp + ": found a directory, expected a readable UTF-8 HOCON file"), messages(e));
  }

  @Test
  void devicesAreRefusedRatherThanReadWhole() {
    Path device = Path.of("/dev/zero");
    assumeTrue(Files.exists(device));
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(device));
    assertEquals(
        List.of("/dev/zero: found a device or pipe, expected a readable UTF-8 HOCON file"),
        messages(e));
  }

  @Test
  void exceptionMessageHasOneLinePerProblem() {
    String text = "drover.apps { a.command = [], b.command = [], c.command = [] }";
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.parse(text, "three.conf", tmp));
    assertEquals(3, e.problems().size());
    assertEquals(String.join("\n", messages(e)), e.getMessage());
  }

  @Test
  void anyInputYieldsSettingsOrConfigExceptionOnly() throws IOException {
    String valid = Files.readString(VALID.resolve("full.conf"));
    List<String> inputs = new ArrayList<>(
        List.of(
            "{",
            "}",
            "[".repeat(100_000),
            "a.".repeat(20_000) + "b = 1",
            "${",
            "drover = ${drover}",
            "drover.apps.web = ${drover.apps.web}",
            "drover.apps.web.command = [${?NOPE}]",
            "include \"\"",
            "drover.apps.web.instances = 1e400",
            "drover.apps.web.instances = -0",
            "drover.apps.web.restart.within = 999999999999999999999d",
            "drover.apps.web.cwd = \"a\\u0000b\"",
            "drover.apps.\"\" { command = [x] }",
            "drover.app-defaults = null",
            "drover.apps = null",
            "drover.apps.web = null",
            "drover.apps.web.route = null",
            "\uFEFFdrover.apps {}"));
    Random random = new Random(42);
    for (int i = 0; i < 300; i++) {
      StringBuilder mutated = new StringBuilder(valid);
      for (int edits = 1 + random.nextInt(4); edits > 0; edits--) {
        int at = random.nextInt(mutated.length());
        if (random.nextBoolean()) {
          mutated.deleteCharAt(at);
        } else {
          mutated.insert(at, "{}[]=:,\"$ 0-\n#/\\".charAt(random.nextInt(16)));
        }
      }
      inputs.add(mutated.toString());
    }
    for (String input : inputs) {
      try {
        ConfigLoader.parse(input, "fuzz.conf", VALID);
      } catch (ConfigException e) {
        assertFalse(e.problems().isEmpty());
        e.problems().forEach(p -> assertFalse(p.message().contains("\n"), p.message()));
      }
    }
    byte[] garbage = new byte[4096];
    random.nextBytes(garbage);
    Path file = tmp.resolve("garbage.conf");
    Files.write(file, garbage);
    assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    String latin1 = new String(garbage, StandardCharsets.ISO_8859_1);
    Files.write(file, latin1.getBytes(StandardCharsets.UTF_8));
    try {
      ConfigLoader.load(file);
    } catch (ConfigException e) {
      assertFalse(e.problems().isEmpty());
    }
  }

  /**
   * reference.conf's drover section, resolved as the loader does (ConfigFactory.defaultReference()
   * would also lay system properties over it, such as Maven's -Ddrover.target).
   */
  static Config reference() {
    return ConfigFactory.defaultReferenceUnresolved()
        .withOnlyPath("drover")
        .withFallback(ConfigFactory.systemProperties().withOnlyPath("user"))
        .resolve();
  }

  static List<String> messages(ConfigException e) {
    return e.problems().stream().map(ConfigProblem::message).toList();
  }
}
