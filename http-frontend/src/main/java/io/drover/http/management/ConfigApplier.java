package io.drover.http.management;

import io.drover.supervisor.Supervisor;
import java.util.concurrent.CompletionStage;

/**
 * Applies a config sent to {@code POST /config}. A node that runs alone applies it to itself; a
 * clustered node hands it to every node. Fails with {@link
 * io.drover.supervisor.config.ConfigException} (nothing changes) when the text is invalid.
 */
@FunctionalInterface
public interface ConfigApplier {
  /**
   * @param text the HOCON config
   * @param dryRun only compute what would change
   * @return what changes on this node
   */
  CompletionStage<Supervisor.Applied> apply(String text, boolean dryRun);
}
