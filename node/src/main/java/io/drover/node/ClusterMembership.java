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
    if (seeds.isEmpty()) {
      seeds.add("pekko://" + SYSTEM + "@" + spec.host() + ":" + spec.port()); // starts a new cluster
    }
    return ConfigFactory.parseMap(Map.of(
            "pekko.actor.provider", "cluster",
            "pekko.remote.artery.canonical.hostname", spec.host(),
            "pekko.remote.artery.canonical.port", spec.port(),
            "pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds),
            "pekko.cluster.roles", ConfigValueFactory.fromIterable(spec.roles()),
            "pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
            "pekko.cluster.split-brain-resolver.active-strategy", "keep-majority",
            "pekko.cluster.split-brain-resolver.stable-after", spec.stableAfter().toMillis() + "ms"))
        .withFallback(ConfigFactory.parseResources("drover-cluster.conf"));
  }

  /** What {@code GET /cluster} answers: members, their status and roles, and this node. */
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
