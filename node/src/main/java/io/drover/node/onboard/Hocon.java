package io.drover.node.onboard;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.stream.Collectors;

/** Renders values for the HOCON files the onboarding commands write (Typesafe Config quotes them). */
final class Hocon {
  private Hocon() {}

  /** A string as a quoted HOCON value: never read as a substitution or a number. */
  static String quote(String s) {
    return ConfigValueFactory.fromAnyRef(s).render(ConfigRenderOptions.concise());
  }

  /** A list of strings: {@code ["node", "app.js"]}. */
  static String list(List<String> items) {
    return items.stream().map(Hocon::quote).collect(Collectors.joining(", ", "[", "]"));
  }

  /** One key of an object, quoted where HOCON would read it otherwise (dots, spaces). */
  static String key(String key) {
    return ConfigUtil.joinPath(key);
  }
}
