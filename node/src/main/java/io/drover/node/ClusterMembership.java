package io.drover.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.drover.supervisor.config.ClusterSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A node's place in a cluster of Drover nodes: Pekko Cluster with seed nodes from config, the
 * split brain resolver (keep-majority) deciding who is downed, and failure detection tuned so a
 * crashed node is downed in seconds.
 */
final class ClusterMembership {
  static final String SYSTEM = "drover";

  private ClusterMembership() {}

  /** The Pekko settings that make the node a cluster member (empty when it runs alone). */
  static Config settings(ClusterSpec spec) {
    if (!spec.enabled()) {
      return ConfigFactory.empty();
    }
    List<String> seeds = new ArrayList<>();
    for (String hostPort : spec.seedNodes()) {
      seeds.add("pekko://" + SYSTEM + "@" + hostPort);
    }
    if (seeds.isEmpty() && !spec.bootstrap().enabled()) {
      seeds.add("pekko://" + SYSTEM + "@" + spec.host() + ":" + spec.port()); // starts a new cluster
    }
    return bootstrapSettings(spec).withFallback(ConfigFactory.parseMap(Map.of(
            "pekko.actor.provider", "cluster",
            "pekko.remote.artery.canonical.hostname", spec.host(),
            "pekko.remote.artery.canonical.port", spec.port(),
            "pekko.remote.artery.advanced.maximum-large-frame-size", spec.maxMessage(),
            "pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds),
            "pekko.cluster.roles", ConfigValueFactory.fromIterable(spec.roles()),
            "pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
            "pekko.cluster.split-brain-resolver.active-strategy", "keep-majority",
            "pekko.cluster.split-brain-resolver.stable-after", spec.stableAfter().toMillis() + "ms")))
        .withFallback(ConfigFactory.parseResources("drover-cluster.conf"));
  }

  /**
   * Pekko Management (its HTTP endpoint on cluster.host:management-port is the bootstrap's
   * contact point) and cluster bootstrap through Kubernetes API or config discovery.
   */
  private static Config bootstrapSettings(ClusterSpec spec) {
    ClusterSpec.Bootstrap b = spec.bootstrap();
    if (!b.enabled()) {
      return ConfigFactory.empty();
    }
    String prefix = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("pekko.management.http.hostname", spec.host());
    settings.put("pekko.management.http.port", b.managementPort());
    settings.put(prefix + "service-name", b.serviceName());
    settings.put(prefix + "required-contact-point-nr", b.requiredContactPoints());
    settings.put("pekko.management.cluster.bootstrap.contact-point.fallback-port", b.managementPort());
    if (b.discovery() == ClusterSpec.Discovery.CONFIG) {
      settings.put(prefix + "discovery-method", "config");
      settings.put("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port", false); // nodes may share a host
      List<Map<String, Object>> endpoints = new ArrayList<>();
      for (String hostPort : b.contactPoints()) {
        int colon = hostPort.lastIndexOf(':');
        endpoints.add(Map.of("host", hostPort.substring(0, colon), "port", Integer.parseInt(hostPort.substring(colon + 1))));
      }
      settings.put("pekko.discovery.config.services." + b.serviceName() + ".endpoints", ConfigValueFactory.fromIterable(endpoints));
    } else {
      settings.put(prefix + "discovery-method", "kubernetes-api");
      settings.put("pekko.discovery.kubernetes-api.pod-label-selector", "app.kubernetes.io/name=%s");
      settings.put("pekko.discovery.kubernetes-api.pod-port-name", "management");
    }
    return ConfigFactory.parseMap(settings);
  }

  /** Starts Pekko Management and cluster bootstrap when the node finds the others that way. */
  static void startBootstrap(ActorSystem<?> system, ClusterSpec spec) {
    if (spec.enabled() && spec.bootstrap().enabled()) {
      org.apache.pekko.actor.ActorSystem classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
      org.apache.pekko.management.javadsl.PekkoManagement.get(classic).start();
      org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap.get(classic).start();
    }
  }

  /**
   * The membership part of {@code GET /cluster}: members, their status and roles, and this node
   * ({@link ClusterView} adds which slots each member runs).
   */
  static Supplier<Map<String, Object>> view(ActorSystem<?> system) {
    return () -> {
      Cluster cluster = Cluster.get(system);
      ClusterEvent.CurrentClusterState state = cluster.state();
      List<Map<String, Object>> members = new ArrayList<>();
      for (Member m : state.getMembers()) {
        Map<String, Object> member = new LinkedHashMap<>();
        member.put("address", m.address().toString());
        member.put("status", m.status().toString().toLowerCase(java.util.Locale.ROOT));
        member.put("roles", m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList());
        member.put("reachable", !state.getUnreachable().contains(m));
        members.add(member);
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("clustered", true);
      body.put("self", cluster.selfMember().address().toString());
      body.put("leader", state.getLeader() == null ? null : state.getLeader().toString());
      body.put("members", members);
      body.put("unreachable", state.getUnreachable().stream().map(m -> m.address().toString()).toList());
      body.put("detail", members.size() + " members");
      return body;
    };
  }
}
