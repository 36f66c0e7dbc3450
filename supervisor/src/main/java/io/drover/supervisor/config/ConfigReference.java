package io.drover.supervisor.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The key reference, generated from reference.conf (keys, defaults and comments are declared
 * there once). {@link #main} prints it as a Markdown table.
 */
public final class ConfigReference {
  /**
   * One key of the schema.
   *
   * @param key the full path, e.g. {@code drover.app-defaults.restart.policy}
   * @param defaultValue the default as written in reference.conf, or "" for an object of keys
   * @param comment the comment above the key, joined into one line
   * @param leaf whether it holds a value rather than further keys
   */
  public record Entry(String key, String defaultValue, String comment, boolean leaf) {}

  private ConfigReference() {}

  public static void main(String[] args) {
    System.out.print(markdown());
  }

  /** A Markdown table of every key under {@code drover} but {@code apps}, in declaration order. */
  public static String markdown() {
    StringBuilder s = new StringBuilder();
    s.append("| Key | Default | Meaning |\n");
    s.append("|-----|---------|---------|\n");
    for (Entry entry : entries()) {
      String value = entry.leaf() ? "`" + cell(entry.defaultValue()) + "`" : "";
      String key = entry.leaf() ? "`" + entry.key() + "`" : "**`" + entry.key() + "`**";
      s.append("| ").append(key).append(" | ").append(value).append(" | ");
      s.append(cell(entry.comment()).replace("<", "&lt;").replace(">", "&gt;")).append(" |\n");
    }
    return s.toString();
  }

  /** Every key under {@code drover} except {@code apps}, in reference.conf's order. */
  public static List<Entry> entries() {
    ConfigObject drover =
        (ConfigObject) ConfigFactory.parseResources("reference.conf").root().get("drover");
    List<Entry> entries = new ArrayList<>();
    List<ConfigValue> order = new ArrayList<>();
    collect(drover, List.of("drover"), entries, order);
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      index.add(i);
    }
    index.sort(
        Comparator.comparing((Integer i) -> source(order.get(i).origin()))
            .thenComparingInt(i -> order.get(i).origin().lineNumber()));
    return index.stream().map(entries::get).toList();
  }

  /** The leaf keys (values and empty objects) that have no comment in reference.conf. */
  public static List<String> uncommentedLeaves() {
    return entries().stream()
        .filter(e -> e.leaf() && e.comment().isEmpty())
        .map(Entry::key)
        .toList();
  }

  private static void collect(
      ConfigObject object, List<String> path, List<Entry> entries, List<ConfigValue> order) {
    for (Map.Entry<String, ConfigValue> child : object.entrySet()) {
      List<String> childPath = Reader.append(path, child.getKey());
      if (childPath.equals(List.of(ConfigLoader.DROVER, ConfigLoader.APPS))) {
        continue;
      }
      ConfigValue value = child.getValue();
      boolean leaf = !(value instanceof ConfigObject nested) || nested.isEmpty();
      String comment =
          value.origin().comments().stream().map(String::strip).collect(Collectors.joining(" "));
      String defaultValue = leaf ? value.render(ConfigRenderOptions.concise()) : "";
      entries.add(new Entry(ConfigUtil.joinPath(childPath), defaultValue, comment, leaf));
      order.add(value);
      if (!leaf) {
        collect((ConfigObject) value, childPath, entries, order);
      }
    }
  }

  private static String source(ConfigOrigin origin) {
    return origin.url() != null ? origin.url().toString() : String.valueOf(origin.description());
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
