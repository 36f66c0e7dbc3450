package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import io.drover.supervisor.config.ProbeType;
import io.drover.supervisor.config.RestartPolicy;
import io.drover.supervisor.config.Signal;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * drover init, import and startup run in-process (import's .js files through a real node), their
 * output checked by the config loader and, for units, by systemd-analyze where it is installed.
 */
class OnboardCommandsTest {
  static final Path PM2 = Path.of("src/test/resources/pm2").toAbsolutePath().normalize();
  /** A real user (systemd-analyze calls nobody unsafe). */
  static final String USER = System.getProperty("user.name");

  Path dir;
  String marker;
  final List<NodeJvm> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-onboard-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(started, marker, dir), "processes left running by the test");
  }

  record Result(int exit, String out, String err) {}

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    assertFalse(err.toString().contains("Exception") || err.toString().contains("\tat "), "no stack trace: " + err);
    return new Result(exit, out.toString(), err.toString());
  }

  // ------------------------------------------------------------------ init

  @Test
  void initWritesACommentedConfigThatValidatesAndKeepsAnExistingFile() throws Exception {
    Path conf = dir.resolve("drover.conf");
    Result init = cli("init", "--name", "web", "-i", "4", "--port", "8181", "-o", conf.toString(), "--", "node", "server.js", "--quiet");
    assertEquals(0, init.exit(), init.toString());
    String text = Files.readString(conf);
    assertTrue(text.lines().filter(l -> l.strip().startsWith("#")).count() >= 8, "commented: " + text);
    assertEquals("ok\n", cli("validate", conf.toString()).out());

    DroverSettings settings = ConfigLoader.load(conf);
    AppSpec web = settings.apps().get("web");
    assertEquals(List.of("node", "server.js", "--quiet"), web.command());
    assertEquals(4, web.instances());
    assertEquals("/", web.route().prefix());
    assertEquals(ProbeType.TCP, web.readiness().type());
    assertEquals(8181, settings.http().port());

    Files.writeString(conf, "mine\n");
    Result again = cli("init", "-o", conf.toString());
    assertEquals(1, again.exit(), again.toString());
    assertTrue(again.err().contains("exists; not overwritten (--force overwrites it)"), again.err());
    assertEquals("mine\n", Files.readString(conf), "an existing file is kept");

    Result forced = cli("init", "-i", "max", "--force", "-o", conf.toString());
    assertEquals(0, forced.exit(), forced.toString());
    AppSpec app = ConfigLoader.load(conf).apps().get("app");
    assertEquals(List.of("node", "app.js"), app.command(), "the example command, named as PM2 names it");
    assertEquals(Runtime.getRuntime().availableProcessors(), app.instances(), "-i max: one per CPU");
  }

  @Test
  void initRefusesABadInstanceCount() {
    Result r = cli("init", "-i", "many", "-o", dir.resolve("x.conf").toString());
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("expected a number, max (one per CPU) or -1"), r.err());
    assertFalse(Files.exists(dir.resolve("x.conf")));
  }

  @Test
  void validateNotesWhenNoAppIsRouted() throws Exception {
    Path lone = Files.writeString(dir.resolve("lone.conf"), "drover.apps.web.command = [\"node\", \"server.js\"]\n");
    Result one = cli("validate", lone.toString());
    assertEquals(new Result(0, "ok\n", ""), one, "the only app is routed at /");

    Path two = Files.writeString(dir.resolve("two.conf"), "drover.apps.web.command = [\"node\", \"server.js\"]\n"
        + "drover.apps.jobs.command = [\"node\", \"jobs.js\"]\n");
    Result both = cli("validate", two.toString());
    assertEquals(0, both.exit());
    assertEquals("ok\n", both.out());
    assertTrue(both.err().startsWith("note: no app is routed (route.prefix or route.host): the front answers 404"), both.err());

    Path routed = Files.writeString(dir.resolve("routed.conf"), Files.readString(two) + "drover.apps.web.route.prefix = \"/\"\n");
    assertEquals(new Result(0, "ok\n", ""), cli("validate", routed.toString()));
  }

  // ------------------------------------------------------------------ import

  @Test
  void importsTheDocumentedJsShapeAndSaysWhatDidNotMap() throws Exception {
    Path out = dir.resolve("from-js.conf");
    Result r = cli("import", PM2.resolve("ecosystem.config.js").toString(), "-o", out.toString());
    assertEquals(0, r.exit(), r.toString());
    DroverSettings s = ConfigLoader.load(out);
    assertEquals(List.of("api", "worker", "report"), List.copyOf(s.apps().keySet()));
    assertEquals(3000, s.http().port(), "the front takes the port the app listened on");

    AppSpec api = s.apps().get("api");
    assertEquals(List.of("node", "--max-old-space-size=256", "--enable-source-maps", "./bin/www", "--color", "auto"), api.command());
    assertEquals(PM2, api.cwd());
    assertEquals(Runtime.getRuntime().availableProcessors(), api.instances());
    assertEquals(Map.of("NODE_ENV", "development"), api.env(), "env without PORT; env_production not picked");
    assertEquals("/", api.route().prefix());
    assertEquals(ProbeType.TCP, api.readiness().type());
    assertEquals(Duration.ofSeconds(8), api.readiness().timeout(), "listen_timeout");
    assertEquals(OptionalLong.of(300L * 1024 * 1024), api.maxMemory());
    assertEquals(Duration.ofSeconds(10), api.restart().minUptime());
    assertEquals(5, api.restart().maxRestarts());
    assertEquals(Duration.ofMillis(100), api.restart().backoff().min(), "exp_backoff_restart_delay");
    assertEquals(Signal.INT, api.stop().signal(), "PM2 stops apps with SIGINT");
    assertEquals(Duration.ofSeconds(3), api.stop().timeout(), "kill_timeout");

    AppSpec worker = s.apps().get("worker");
    assertEquals(RestartPolicy.TEMPORARY, worker.restart().policy(), "autorestart: false");
    assertEquals(Duration.ofSeconds(4), worker.restart().backoff().max(), "restart_delay");
    assertEquals(ProbeType.NONE, worker.readiness().type());
    assertFalse(worker.route().routed());
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), worker.instances(), "-1: CPUs less one");

    AppSpec report = s.apps().get("report");
    assertEquals(List.of("python3", "-u", "scripts/report.py", "daily", "last week"), report.command());
    assertEquals(Runtime.getRuntime().availableProcessors(), report.instances(), "0: one per CPU");

    for (String expected : List.of("api: name: PM2's \"API\" renamed", "api: env.PORT: dropped", "api: out_file: not mapped",
        "api: env_production: not used (pick it with --env production", "worker: watch: not mapped",
        "worker: cron_restart: not mapped", "worker: ignore_watch: not mapped", "deploy: not mapped")) {
      assertTrue(r.err().contains("drover import: " + expected), expected + " in:\n" + r.err());
    }
    assertFalse(r.err().contains("api: watch"), "watch: false is no loss");
  }

  @Test
  void envPicksAnEnvironmentAsPm2StartDoes() throws Exception {
    Path out = dir.resolve("prod.conf");
    Result r = cli("import", PM2.resolve("ecosystem.config.js").toString(), "--env", "production", "-o", out.toString());
    assertEquals(0, r.exit(), r.toString());
    assertEquals(Map.of("NODE_ENV", "production", "DATABASE_URL", "postgres://db/prod"), ConfigLoader.load(out).apps().get("api").env());
    assertTrue(r.err().contains("worker: --env production: the app has no env_production"), r.err());

    Result kept = cli("import", PM2.resolve("ecosystem.config.js").toString(), "-o", out.toString());
    assertEquals(1, kept.exit(), kept.toString());
    assertTrue(kept.err().contains("exists; not overwritten (--force overwrites it)"), kept.err());
    assertEquals(0, cli("import", PM2.resolve("ecosystem.config.js").toString(), "--force", "-o", out.toString()).exit());
    assertEquals(Map.of("NODE_ENV", "development"), ConfigLoader.load(out).apps().get("api").env(), "overwritten with --force");
  }

  @Test
  void importsJsonYamlAndEsModuleFiles() throws Exception {
    Result json = cli("import", PM2.resolve("ecosystem.json").toString(), "-o", dir.resolve("json.conf").toString());
    assertEquals(0, json.exit(), json.toString());
    DroverSettings fromJson = ConfigLoader.load(dir.resolve("json.conf"));
    AppSpec web = fromJson.apps().get("web");
    assertEquals(List.of("npm", "start"), web.command(), "interpreter none: the script runs itself");
    assertEquals(4, web.instances());
    assertEquals(8081, fromJson.http().port(), "port: the front's port");
    assertEquals(Map.of("NODE_ENV", "production", "WORKERS", "4"), web.env());
    assertEquals(OptionalLong.of(104857600), web.maxMemory());
    assertEquals(RestartPolicy.TRANSIENT, web.restart().policy(), "stop_exit_codes [0]");
    assertEquals(Duration.ofSeconds(5), web.restart().minUptime());
    assertTrue(json.err().contains("web: log_date_format: not mapped"), json.err());

    Result yaml = cli("import", PM2.resolve("ecosystem.yaml").toString());
    assertEquals(0, yaml.exit(), yaml.toString());
    DroverSettings fromYaml = ConfigLoader.parse(yaml.out(), "yaml.conf", Path.of(""));
    assertEquals(List.of("app", "background-worker"), List.copyOf(fromYaml.apps().keySet()));
    assertEquals(4000, fromYaml.http().port());
    assertEquals("/", fromYaml.apps().get("app").route().prefix());
    assertTrue(yaml.err().contains("background-worker: watch: not mapped"), yaml.err());

    Result esm = cli("import", PM2.resolve("esm.config.mjs").toString());
    assertEquals(0, esm.exit(), esm.toString());
    AppSpec lone = ConfigLoader.parse(esm.out(), "esm.conf", Path.of("")).apps().get("esm");
    assertEquals(List.of("node", "index.js"), lone.command());
    assertEquals(ProbeType.TCP, lone.readiness().type(), "the only app is taken for a web app");
  }

  @Test
  void aFileThatThrowsOrIsNoEcosystemFileIsAClearError() throws Exception {
    Result throwing = cli("import", PM2.resolve("throws.config.js").toString());
    assertEquals(1, throwing.exit(), throwing.toString());
    assertEquals("", throwing.out());
    assertTrue(throwing.err().contains("throws.config.js: node could not evaluate it (status 1)"), throwing.err());
    assertTrue(throwing.err().contains("Cannot find module './missing-secrets.json'"), throwing.err());

    Path odd = Files.writeString(dir.resolve("pm2.toml"), "apps = []\n");
    Result unknown = cli("import", odd.toString());
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown kind of file; expected a PM2 ecosystem file ending in .js"), unknown.err());

    Path notApps = Files.writeString(dir.resolve("x.json"), "{\"name\": \"no script\"}");
    Result none = cli("import", notApps.toString());
    assertEquals(1, none.exit());
    assertTrue(none.err().contains("not a PM2 ecosystem file: expected an object with apps"), none.err());

    Result missing = cli("import", dir.resolve("nope.config.js").toString());
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("nope.config.js: no such file"), missing.err());
  }

  @Test
  void withoutNodeAJsFileIsAClearError() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty-path"));
    ProcessBuilder pb = NodeJvm.command(List.of(), "import", PM2.resolve("ecosystem.config.js").toString());
    pb.environment().put("PATH", empty.toString());
    NodeJvm jvm = NodeJvm.start(pb, marker);
    started.add(jvm);
    assertTrue(jvm.process().waitFor(60, TimeUnit.SECONDS), "import ended");
    assertEquals(1, jvm.process().exitValue(), jvm.all());
    assertTrue(jvm.all().contains("a .js ecosystem file is evaluated by node (its module.exports, as PM2 does),"
        + " and node could not be started"), jvm.all());
  }

  // ------------------------------------------------------------------ startup

  @Test
  void startupWritesTheSystemdUnitWithThisMachinesPaths() throws Exception {
    Path conf = dir.resolve("my apps.conf");
    assertEquals(0, cli("init", "-o", conf.toString()).exit());
    Path jar = Files.writeString(dir.resolve("drover-node.jar"), "");
    Path unitFile = dir.resolve("drover.service");
    Result r = cli("startup", "systemd", "--user", USER, "--jar", jar.toString(), "-o", unitFile.toString(), conf.toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("sudo systemctl daemon-reload && sudo systemctl enable --now drover"), r.err());
    String unit = Files.readString(unitFile);
    List<String> lines = unit.lines().toList();
    String java = ProcessHandle.current().info().command().orElseThrow();
    String quotedConf = "\"" + conf + "\"";
    assertTrue(lines.contains("User=" + USER), unit);
    assertFalse(unit.contains("Group=drover"), unit);
    assertTrue(lines.contains("ExecStart=" + java + " $JAVA_OPTS -jar " + jar + " run " + quotedConf), unit);
    assertTrue(lines.contains("ExecStartPre=" + java + " -jar " + jar + " validate " + quotedConf), unit);
    assertTrue(lines.contains("Environment=\"PATH=" + System.getenv("PATH") + "\""), unit);
    // the rest is deploy/systemd's unit, line for line
    String template = Files.readString(Path.of("../deploy/systemd/drover.service"), StandardCharsets.UTF_8);
    for (String line : template.lines().toList()) {
      if (!line.startsWith("User=") && !line.startsWith("Group=") && !line.startsWith("ExecStart")) {
        assertTrue(lines.contains(line), "template line kept: " + line);
      }
    }

    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
    Process verify = new ProcessBuilder(analyze.toString(), "verify", unitFile.toString()).redirectErrorStream(true).start();
    String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, verify.exitValue(), said);
    assertFalse(said.contains(unitFile.getFileName().toString()), "no complaint about the unit: " + said);
  }

  @Test
  void startupRefusesAConfigThatDoesNotValidate() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.conf"), "drover.apps.web.instances = 0\n");
    Result r = cli("startup", "systemd", "--jar", "/opt/x.jar", bad.toString());
    assertEquals(1, r.exit(), r.toString());
    assertEquals("", r.out());
    assertTrue(r.err().contains("bad.conf does not validate; no unit written"), r.err());
  }
}
