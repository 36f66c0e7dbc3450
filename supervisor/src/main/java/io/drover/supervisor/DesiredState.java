package io.drover.supervisor;

import io.drover.supervisor.DesiredStateFile.Saved;
import io.drover.supervisor.DesiredStateFile.SavedApp;
import io.drover.supervisor.DesiredStateFile.SavedConfig;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node was told to run, kept across its restarts (PM2's {@code save}/resurrect, Nomad's job
 * versions): the configs applied at run time, per app the settings it runs (after a revert or a
 * rollback: the ones it went back to), its last healthy settings, a count scaled through the API
 * (apps without autoscale) and its deployment history. Saved under {@code
 * <state-dir>/desired/<hash of the config file's path>.json} ({@link DesiredStateFile}) on every
 * change, restored when the node starts from the same config file again.
 *
 * <p>What wins at a start: the config file, when its content is not what it was when the node
 * that saved the state started from it (the file was edited since: an edit is the newer word);
 * else the saved state. Either way the decision is logged and told as an event per app. A node
 * run from the command line (no file) keeps no desired state.
 *
 * <p>Used only from the node's {@link Supervisor} actor (and before it starts, by {@link #open}).
 */
public final class DesiredState {
  private static final Logger log = LoggerFactory.getLogger(DesiredState.class);

  /** One version of the apps: 0 is the config file, the others were applied at run time. */
  private record Version(SavedConfig source, Map<String, AppSpec> apps) {}

  /** What an app's record holds besides its versions. */
  private static final class AppRecord {
    int config;
    int healthy;
    Integer previous;
    Integer instances;
    int lastId;
    List<DeploymentStatus> deployments = List.of();

    AppRecord(int config) {
      this.config = config;
      this.healthy = config;
    }
  }

  private final Path path;
  private final String file;
  private final String fileSha256;
  private final DroverSettings settings;
  private final String note;
  private final TreeMap<Integer, Version> versions = new TreeMap<>();
  private int applied;
  private final Map<String, AppRecord> apps = new LinkedHashMap<>();
  /** Apps that restart on their last healthy settings and deploy their desired ones again. */
  private final Map<String, AppSpec> healthyFirst = new LinkedHashMap<>();

  private DesiredState(Path path, String file, String fileSha256, DroverSettings settings, String note) {
    this.path = path;
    this.file = file;
    this.fileSha256 = fileSha256;
    this.settings = settings;
    this.note = note;
  }

  /** No desired state is kept: the node runs what it is given. */
  public static DesiredState off(DroverSettings settings) {
    return new DesiredState(null, null, null, settings, null);
  }

  /**
   * The desired state of a node started from {@code fromFile}: what was saved, if the config
   * file is as it was then; else the file's settings. Never throws: a state that cannot be read
   * is logged and the file wins.
   */
  public static DesiredState open(DroverSettings fromFile) {
    Optional<Path> source = fromFile.source();
    if (source.isEmpty()) {
      return off(fromFile);
    }
    Path file = source.get().toAbsolutePath().normalize();
    String sha;
    try {
      sha = sha256(Files.readAllBytes(file));
    } catch (IOException e) {
      log.warn("cannot read {} to compare it with the saved desired state: {}", file, e.toString());
      return off(fromFile);
    }
    Path path = fromFile.stateDir().resolve("desired").resolve(sha256(file.toString().getBytes()).substring(0, 16) + ".json");
    Saved saved = null;
    String why = null;
    try {
      saved = DesiredStateFile.read(path);
    } catch (NoSuchFileException e) {
      // the first start from this file
    } catch (IOException | RuntimeException e) {
      why = "the saved desired state " + path + " cannot be read (" + e.getMessage() + "): starting from the config file";
    }
    if (saved != null && !saved.fileSha256().equals(sha)) {
      why = "the config file " + file + " changed since the desired state was saved (" + saved.savedAt()
          + "): the file wins, what was applied or scaled through the API before is dropped";
      saved = null;
    }
    DesiredState fresh = new DesiredState(path, file.toString(), sha, fromFile, why);
    fresh.versions.put(0, new Version(null, fromFile.apps()));
    fromFile.apps().keySet().forEach(n -> fresh.apps.put(n, new AppRecord(0)));
    if (saved == null) {
      return fresh;
    }
    try {
      return restore(path, file.toString(), sha, fromFile, saved);
    } catch (RuntimeException e) { // a saved text no longer valid (a cwd gone, a class missing...)
      String message = e instanceof io.drover.supervisor.config.ConfigException ce ? ce.getMessage() : e.toString();
      DesiredState file0 = new DesiredState(path, file.toString(), sha, fromFile,
          "the saved desired state cannot be used (" + message + "): starting from the config file");
      file0.versions.putAll(fresh.versions);
      file0.apps.putAll(fresh.apps);
      return file0;
    }
  }

  private static DesiredState restore(Path path, String file, String sha, DroverSettings fromFile, Saved saved) {
    TreeMap<Integer, Version> versions = new TreeMap<>();
    versions.put(0, new Version(null, fromFile.apps()));
    saved.configs().forEach((v, c) -> versions.put(v, new Version(c,
        ConfigLoader.parse(c.text(), c.name(), c.baseDir() == null ? null : Path.of(c.baseDir())).apps())));
    Version applied = versions.get(saved.applied());
    if (applied == null) {
      throw new IllegalStateException("config version " + saved.applied() + " is not saved");
    }
    Map<String, AppSpec> run = new LinkedHashMap<>();
    Map<String, AppSpec> healthyFirst = new LinkedHashMap<>();
    Map<String, AppRecord> records = new LinkedHashMap<>();
    for (AppSpec app : applied.apps().values()) {
      SavedApp a = saved.apps().get(app.name());
      AppRecord r = new AppRecord(saved.applied());
      AppSpec spec = app;
      if (a != null) {
        AppSpec desired = specIn(versions, a.config(), app.name());
        AppSpec healthy = specIn(versions, a.healthy(), app.name());
        r.config = desired == null ? saved.applied() : a.config();
        r.healthy = healthy == null ? r.config : a.healthy();
        r.previous = a.previous() != null && specIn(versions, a.previous(), app.name()) != null ? a.previous() : null;
        r.instances = a.instances();
        r.lastId = a.lastId();
        r.deployments = a.deployments();
        spec = desired == null ? app : desired;
        if (r.instances != null && !spec.autoscale().enabled()) {
          spec = spec.withInstances(r.instances);
        }
        if (healthy != null && !healthy.sameWorkers(spec) && !spec.clusterPlaced()) {
          healthyFirst.put(app.name(), healthy.withInstances(spec.instances()));
        }
      }
      run.put(app.name(), spec);
      records.put(app.name(), r);
    }
    SavedConfig last = applied.source();
    String note = "restored the desired state saved " + saved.savedAt() + ": "
        + (last == null ? "the config file's apps" : "the apps applied " + last.appliedAt() + " from " + last.name())
        + (healthyFirst.isEmpty() ? "" : "; " + healthyFirst.keySet() + " start on their last healthy settings and deploy the applied ones again");
    DesiredState s = new DesiredState(path, file, sha, fromFile.withApps(run), note);
    s.versions.putAll(versions);
    s.applied = saved.applied();
    s.apps.putAll(records);
    s.healthyFirst.putAll(healthyFirst);
    return s;
  }

  private static AppSpec specIn(Map<Integer, Version> versions, int v, String app) {
    Version version = versions.get(v);
    return version == null ? null : version.apps().get(app);
  }

  /** The settings the node starts with. */
  public DroverSettings settings() {
    return settings;
  }

  /** What was decided at the start (restored, or why the file won), or null when there was nothing to decide. */
  public String note() {
    return note;
  }

  /** The settings {@code app} starts on when they are not its desired ones (a deployment was under way), else null. */
  AppSpec healthyFirst(String app) {
    return healthyFirst.remove(app);
  }

  /** What the previous run left of the app's deployments, or null. */
  DeploymentHistory.Restored history(String app) {
    AppRecord r = apps.get(app);
    if (r == null || (r.lastId == 0 && r.previous == null)) {
      return null;
    }
    return new DeploymentHistory.Restored(r.lastId, r.deployments, r.previous == null ? null : specIn(versions, r.previous, app));
  }

  /** A config was applied at run time: its apps are the node's apps, each at the applied count. */
  void applied(AppliedText text, Map<String, AppSpec> next) {
    if (path == null || text == null) {
      return;
    }
    applied = versions.lastKey() + 1;
    versions.put(applied, new Version(new SavedConfig(text.name(), text.baseDir() == null ? null : text.baseDir().toString(),
        text.text(), Instant.now()), next));
    apps.keySet().retainAll(next.keySet());
    for (String name : next.keySet()) {
      AppRecord r = apps.computeIfAbsent(name, n -> new AppRecord(applied));
      r.config = applied;
      r.instances = null;
    }
    save();
  }

  /** The app went back to {@code to} (a revert or a rollback). */
  void retargeted(String app, AppSpec to) {
    AppRecord r = apps.get(app);
    Integer v = versionOf(app, to);
    if (path == null || r == null || v == null) {
      return;
    }
    r.config = v;
    save();
  }

  /** The app's count, healthy settings or deployments changed. */
  void recorded(AppSupervisor.Recorded m) {
    AppRecord r = apps.get(m.name());
    if (path == null || r == null) {
      return;
    }
    Integer healthy = versionOf(m.name(), m.lastHealthy());
    r.healthy = healthy == null ? r.healthy : healthy;
    r.previous = m.previousHealthy() == null ? null : versionOf(m.name(), m.previousHealthy());
    r.instances = m.instances();
    r.lastId = m.lastId();
    r.deployments = m.ended();
    save();
  }

  /** The newest version whose settings of {@code app} run the same workers as {@code spec}. */
  private Integer versionOf(String app, AppSpec spec) {
    for (Integer v : versions.descendingKeySet()) {
      AppSpec there = versions.get(v).apps().get(app);
      if (there != null && there.sameWorkers(spec)) {
        return v;
      }
    }
    return null;
  }

  /** Writes the state (also at the start, so that it names the file as this run started from it). */
  void save() {
    if (path == null) {
      return;
    }
    // only the versions still used are kept
    java.util.Set<Integer> used = new java.util.TreeSet<>(List.of(applied));
    apps.values().forEach(r -> {
      used.add(r.config);
      used.add(r.healthy);
      if (r.previous != null) {
        used.add(r.previous);
      }
    });
    versions.keySet().removeIf(v -> v != 0 && v != versions.lastKey() && !used.contains(v));
    Map<Integer, SavedConfig> configs = new TreeMap<>();
    versions.forEach((v, version) -> {
      if (v != 0) {
        configs.put(v, version.source());
      }
    });
    Map<String, SavedApp> saved = new LinkedHashMap<>();
    apps.forEach((name, r) -> saved.put(name, new SavedApp(r.config, r.healthy, r.previous, r.instances, r.lastId, r.deployments)));
    try {
      DesiredStateFile.write(path, new Saved(file, fileSha256, Instant.now(), applied, configs, saved));
    } catch (IOException | RuntimeException e) {
      log.error("cannot save the desired state to {}: {}", path, e.toString());
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The text of a config applied at run time, with its origin: what restoring it parses again. */
  public record AppliedText(String text, String name, Path baseDir) {}
}
