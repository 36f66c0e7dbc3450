package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/config.md is generated from reference.conf and must not drift from it. */
class ConfigReferenceDocTest {
  @Test
  void docsConfigMdMatchesReferenceConf() throws Exception {
    String doc = Files.readString(Path.of("../docs/config.md"));
    assertTrue(
        doc.endsWith(ConfigReference.markdown()),
        "docs/config.md is out of date: regenerate its table with ConfigReference");
  }
}
