package io.drover.http.management;

import io.drover.http.front.FrontHarnessAccess;
import io.drover.supervisor.config.ManagementSpec;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** The management API of a test node (a FrontHarness), on a free loopback port. */
final class TestApi {
  private TestApi() {}

  static ManagementServer start(ActorTestKit kit, FrontHarnessAccess node, Optional<String> token) throws Exception {
    return ManagementServer.start(kit.system(), new ManagementSpec(true, "127.0.0.1", 0, token),
        node.supervisor(), node.front(), new NodeMetrics(node.registry()), () -> true, ManagementServer.alone(kit.system()),
        new LocalConfigApplier(kit.system(), node.supervisor(), node.front()));
  }
}
