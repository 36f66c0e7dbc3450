package io.drover.supervisor.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration of a node: where it keeps its state and logs, and the apps
 * it supervises, in declaration order. Built only by {@link ConfigLoader}; immutable.
 *
 * @param source the file the configuration was read from, if any (for messages and relative paths)
 * @param stateDir directory for run records (pids and start times of live workers)
 * @param logsDir directory holding one sub-directory of worker log files per app
 * @param http the node's HTTP front
 * @param management the node's management API
 * @param cluster membership of a cluster of nodes
 * @param apps the declared apps, keyed by name, in declaration order
 */
public record DroverSettings(
    Optional<Path> source,
    Path stateDir,
    Path logsDir,
    HttpSpec http,
    ManagementSpec management,
    ClusterSpec cluster,
    Map<String, AppSpec> apps) {

  public DroverSettings {
    apps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(apps));
  }

  /** The same node settings with other apps (a config applied at run time). */
  public DroverSettings withApps(Map<String, AppSpec> newApps) {
    return new DroverSettings(source, stateDir, logsDir, http, management, cluster, newApps);
  }

  /** The apps in declaration order. */
  public List<AppSpec> appList() {
    return List.copyOf(apps.values());
  }
}
