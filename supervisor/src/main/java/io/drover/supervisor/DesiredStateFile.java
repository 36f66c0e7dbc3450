package io.drover.supervisor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The desired state of a node on disk, as JSON: the config texts applied at run time (numbered
 * versions; 0 is the config file the node started from), which of them was applied last, and per
 * app the version its settings come from, its last healthy settings, a count scaled through the
 * API and its ended deployments. Written whole to a temporary file, forced to disk and renamed
 * over the old one, so a reader (the next start, after a kill -9 or a power cut) finds the old
 * state or the new one, never a torn one.
 */
final class DesiredStateFile {
  static final int FORMAT = 1;

  /** One applied config text. */
  record SavedConfig(String name, String baseDir, String text, Instant appliedAt) {}

  /**
   * One app. {@code config}: the version its settings come from; {@code healthy}: the version of
   * its last healthy settings; {@code previous}: of the healthy ones before (a rollback's target),
   * or null; {@code instances}: its count, or null for the applied one.
   */
  record SavedApp(int config, int healthy, Integer previous, Integer instances, int lastId,
      List<DeploymentStatus> deployments) {}

  /** The whole state: {@code file} and {@code fileSha256} name the config file as the node started from it. */
  record Saved(String file, String fileSha256, Instant savedAt, int applied, Map<Integer, SavedConfig> configs,
      Map<String, SavedApp> apps) {}

  private DesiredStateFile() {}

  static void write(Path path, Saved s) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", FORMAT);
    root.put("file", s.file());
    root.put("file-sha256", s.fileSha256());
    root.put("saved-at", s.savedAt().toString());
    root.put("applied", s.applied());
    Map<String, Object> configs = new TreeMap<>();
    s.configs().forEach((v, c) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", c.name());
      if (c.baseDir() != null) {
        m.put("base-dir", c.baseDir());
      }
      m.put("applied-at", c.appliedAt().toString());
      m.put("text", c.text());
      configs.put(Integer.toString(v), m);
    });
    root.put("configs", configs);
    Map<String, Object> apps = new LinkedHashMap<>();
    s.apps().forEach((name, a) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("config", a.config());
      m.put("healthy", a.healthy());
      if (a.previous() != null) {
        m.put("previous", a.previous());
      }
      if (a.instances() != null) {
        m.put("instances", a.instances());
      }
      m.put("last-deployment", a.lastId());
      m.put("deployments", a.deployments().stream().map(DesiredStateFile::deployment).toList());
      apps.put(name, m);
    });
    root.put("apps", apps);
    String json = ConfigValueFactory.fromMap(root).render(ConfigRenderOptions.concise().setFormatted(true)) + "\n";
    Files.createDirectories(path.getParent());
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      ch.force(true);
    }
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
      dir.force(true); // the rename itself reaches the disk
    } catch (IOException e) {
      // some file systems cannot sync a directory; the rename is still atomic
    }
  }

  /** The saved state; throws (IOException, or Typesafe Config's ConfigException) when it cannot be read. */
  static Saved read(Path path) throws IOException {
    Config c = ConfigFactory.parseString(Files.readString(path),
        ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON).setOriginDescription(path.toString()));
    if (c.getInt("format") != FORMAT) {
      throw new IOException("format " + c.getInt("format") + ", this version reads " + FORMAT);
    }
    Map<Integer, SavedConfig> configs = new TreeMap<>();
    ConfigObject cs = c.getObject("configs");
    for (String v : cs.keySet()) {
      Config one = ((ConfigObject) cs.get(v)).toConfig();
      configs.put(Integer.parseInt(v), new SavedConfig(one.getString("name"),
          one.hasPath("base-dir") ? one.getString("base-dir") : null, one.getString("text"),
          Instant.parse(one.getString("applied-at"))));
    }
    Map<String, SavedApp> apps = new LinkedHashMap<>();
    ConfigObject as = c.getObject("apps");
    for (String name : as.keySet()) {
      Config a = ((ConfigObject) as.get(name)).toConfig();
      List<DeploymentStatus> deployments = new ArrayList<>();
      for (Config d : a.getConfigList("deployments")) {
        deployments.add(new DeploymentStatus(d.getString("id"), DeploymentState.valueOf(d.getString("state")),
            d.getString("cause"), Instant.parse(d.getString("started")),
            d.hasPath("finished") ? Instant.parse(d.getString("finished")) : null,
            d.hasPath("reason") ? d.getString("reason") : null, d.getInt("canaries"), List.of()));
      }
      apps.put(name, new SavedApp(a.getInt("config"), a.getInt("healthy"),
          a.hasPath("previous") ? a.getInt("previous") : null, a.hasPath("instances") ? a.getInt("instances") : null,
          a.getInt("last-deployment"), deployments));
    }
    return new Saved(c.getString("file"), c.getString("file-sha256"), Instant.parse(c.getString("saved-at")),
        c.getInt("applied"), configs, apps);
  }

  private static Map<String, Object> deployment(DeploymentStatus d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("state", d.state().name());
    m.put("cause", d.cause());
    m.put("started", d.started().toString());
    if (d.finished() != null) {
      m.put("finished", d.finished().toString());
    }
    if (d.reason() != null) {
      m.put("reason", d.reason());
    }
    m.put("canaries", d.canaries());
    return m;
  }
}
