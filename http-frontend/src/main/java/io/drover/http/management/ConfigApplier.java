package io.drover.http.management;

import io.drover.supervisor.Supervisor;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * Applies a config sent to {@code POST /config}. A node that runs alone applies it to itself; a
 * clustered node hands it to every node. Fails with {@link
 * io.drover.supervisor.config.ConfigException} (nothing changes) when the text is invalid.
 */
@FunctionalInterface
public interface ConfigApplier {
  /**
   * Where an applied text comes from (e.g. `drover apply other/new.conf`): the name its problems
   * carry and the directory its relative app {@code cwd}s and classpaths resolve against. A null
   * field means the running config's: its directory, and the name "config".
   */
  record Origin(String name, Path baseDir) {
    /** The running config's name and directory. */
    public static final Origin RUNNING = new Origin(null, null);
  }

  /**
   * @param text the HOCON config
   * @param dryRun only compute what would change
   * @return what changes on this node
   */
  CompletionStage<Supervisor.Applied> apply(String text, boolean dryRun);

  /**
   * The same for a text from {@code origin}. This default ignores the origin: an applier that
   * hands the text to several nodes leaves each to resolve it against its own running config.
   */
  default CompletionStage<Supervisor.Applied> apply(String text, Origin origin, boolean dryRun) {
    return apply(text, dryRun);
  }
}
