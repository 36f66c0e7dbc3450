package io.drover.node;

import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the output of every node JVM a test started when the test fails, whatever assertion
 * failed, so that the failure can be understood from CI's log alone.
 */
final class NodeLogsOnFailure implements TestWatcher {
  private final List<NodeJvm> nodes;

  NodeLogsOnFailure(List<NodeJvm> nodes) {
    this.nodes = nodes;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    for (int i = 0; i < nodes.size(); i++) {
      System.out.println("---------- node JVM " + i + " ----------\n" + nodes.get(i).all());
    }
  }
}
