package io.drover.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.drover.supervisor.config.AppSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The cluster's config text once a cluster-placed app went back to earlier settings (a failed
 * deployment reverted on a slot): the text as it was, with one block on top that declares the
 * app again as it was before, so that the cluster's desired state says what the slots run, and a
 * slot placed later (a scale-up, a lost node's slots, a node that rejoins) starts the healthy
 * settings rather than the failed ones.
 *
 * <p>Why text, written back into the replicated register, rather than a record of reverted apps
 * beside it: the text is what every other part of the cluster's desired state already reads (a
 * scale through the API puts its count line on top of it, a node that restarts applies it, each
 * node's desired-state file keeps it), so they all follow a revert with no change; and an apply
 * replaces it whole, so applying the failed config again, or a fixed one, is a new text and a
 * new deployment, with no record to clear. The block is the app's object from the text that
 * declared the healthy settings (with that text's {@code app-defaults} under it), rendered
 * unresolved (each node resolves its substitutions as for any text), with the failed text's
 * count: as for a local app, the count stays the one applied. Several nodes that revert the same
 * app write the same text (the writer checks the register still holds the failed text first);
 * the text is read back before it is written, and written only when it declares exactly the
 * healthy settings of the app and leaves every other app as it was. Pure: the caller parses and
 * writes.
 */
final class RevertedApps {
  private static final String SAYS = " went back to its last healthy settings (a failed deployment was reverted)\n";
  private static final Pattern BLOCK =
      Pattern.compile("\n# ([a-z0-9][a-z0-9_-]*)" + Pattern.quote(SAYS) + "(?:drover\\.apps\\.\"\\1\"[^\n]*\n)+");
  /** An app's keys that hold objects of the user's own keys: a key of the failed settings there can only be cleared with the whole. */
  private static final java.util.Set<String> FREE_FORM = java.util.Set.of("env", "config");

  private RevertedApps() {}

  /**
   * What to write: {@code text}, or why nothing is written ({@code text} null).
   *
   * @param text the cluster's config with the app back on its healthy settings, or null
   * @param why what was done or why not, for the log
   */
  record Outcome(String text, String why) {}

  /**
   * The cluster's config with {@code app} back on {@code to}.
   *
   * @param current the cluster's config text, as last applied on this node
   * @param from the settings that failed: nothing is written unless {@code current} still declares them
   * @param to the settings the app went back to
   * @param earlier config texts this node ran, newest first: the newest that declares {@code to} gives the block
   * @param apps the apps a config text declares (throws when it is invalid)
   */
  static Outcome writeBack(String current, String app, AppSpec from, AppSpec to, List<String> earlier,
      Function<String, Map<String, AppSpec>> apps) {
    Map<String, AppSpec> now;
    try {
      now = apps.apply(current);
    } catch (RuntimeException e) {
      return new Outcome(null, "the cluster's config does not read: " + e.getMessage());
    }
    AppSpec declared = now.get(app);
    if (declared == null || !declared.clusterPlaced()) {
      return new Outcome(null, "the cluster's config no longer places " + app + " on the cluster");
    }
    if (declared.sameWorkers(to)) {
      return new Outcome(null, "the cluster's config already declares the settings " + app + " went back to");
    }
    if (!declared.sameWorkers(from)) {
      return new Outcome(null, "a newer config was applied since: its settings of " + app + " stand");
    }
    String healthy = null;
    for (String text : earlier) {
      if (text != null && to.sameWorkers(appIn(text, app, apps))) {
        healthy = text;
        break;
      }
    }
    if (healthy == null) {
      return new Outcome(null, "no config this node ran declares the settings " + app + " went back to");
    }
    String written;
    try {
      String failed = ScaledCounts.declared(without(current, app));
      int count = apps.apply(failed).get(app).instances();
      written = failed + block(healthy, failed, app, count);
      for (Map.Entry<String, Integer> scaled : ScaledCounts.of(current).entrySet()) {
        written = ScaledCounts.scale(written, scaled.getKey(), scaled.getValue()); // after the block: they still hold
      }
    } catch (RuntimeException e) {
      return new Outcome(null, "the healthy settings of " + app + " cannot be written back: " + e.getMessage());
    }
    String mismatch = readsBack(written, app, to, now, apps);
    if (mismatch != null) {
      return new Outcome(null, "the settings " + app + " went back to cannot be written back as they are: " + mismatch);
    }
    return new Outcome(written, "the cluster's config now declares the settings " + app + " went back to");
  }

  /** {@code text} without the block of {@code app} written back earlier (none: as it is). */
  static String without(String text, String app) {
    return BLOCK.matcher(text).replaceAll(m -> m.group(1).equals(app) ? "" : java.util.regex.Matcher.quoteReplacement(m.group()));
  }

  /** The apps {@code text} declares again as they were before, in order. */
  static List<String> reverted(String text) {
    return BLOCK.matcher(text).results().map(m -> m.group(1)).toList();
  }

  /**
   * The lines that declare {@code app} of {@code failed} as {@code healthy} declares it, with
   * {@code instances}: its object from {@code healthy} on one line, merged over the failed one.
   * So that no key of the failed settings is left, each key the failed app sets and the healthy
   * one does not is written with the value the healthy text gives it (its app-defaults', or
   * reference.conf's), as is each that the two texts' app-defaults give different values; the
   * app's {@code env} and {@code config} (free-form objects) are cleared first and written whole
   * when the failed app sets them or the app-defaults differ there.
   */
  static String block(String healthy, String failed, String app, int instances) {
    ConfigObject healthyRoot = parse(healthy).root();
    ConfigObject failedRoot = parse(failed).root();
    ConfigObject h = objectAt(healthyRoot, "drover", "apps", app);
    ConfigObject hDefaults = objectAt(healthyRoot, "drover", "app-defaults");
    ConfigObject f = objectAt(failedRoot, "drover", "apps", app);
    ConfigObject fDefaults = objectAt(failedRoot, "drover", "app-defaults");
    ConfigObject reference = objectAt(ConfigFactory.defaultReferenceUnresolved().root(), "drover", "app-defaults");
    if (h == null) {
      throw new IllegalArgumentException("the healthy text declares no app " + app);
    }
    Config block = h.toConfig();
    StringBuilder lines = new StringBuilder("\n# " + app + SAYS);
    java.util.Set<List<String>> keys = new java.util.LinkedHashSet<>();
    leaves(f, List.of(), keys);
    leaves(fDefaults, List.of(), keys);
    leaves(hDefaults, List.of(), keys);
    for (List<String> key : keys) {
      ConfigValue wanted = valueAt(hDefaults, key) != null ? valueAt(hDefaults, key) : valueAt(reference, key);
      ConfigValue inherited = valueAt(fDefaults, key) != null ? valueAt(fDefaults, key) : valueAt(reference, key);
      boolean same = valueAt(f, key) == null && sameText(wanted, inherited);
      String first = key.get(0);
      if (FREE_FORM.contains(first)) {
        if (!same) { // cleared, then the healthy app's own over the healthy defaults'
          ConfigValue own = h.get(first);
          ConfigObject value = own instanceof ConfigObject o ? (wanted instanceof ConfigObject w ? o.withFallback(w) : o)
              : wanted instanceof ConfigObject w ? w : ConfigFactory.empty().root();
          lines.append("drover.apps.\"").append(app).append("\".").append(first).append(" = null\n");
          block = block.withValue(first, value);
        }
      } else if (valueAt(h, key) == null && wanted != null && !same) {
        block = block.withValue(ConfigUtil.joinPath(key), wanted);
      }
    }
    String object = block.withValue("instances", ConfigValueFactory.fromAnyRef(instances)).root().render(ConfigRenderOptions.concise());
    return lines.append("drover.apps.\"").append(app).append("\" = ").append(object).append("\n").toString();
  }

  private static Config parse(String text) {
    return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
  }

  /** Every leaf key under {@code object} (a free-form object counts as one), as paths. */
  private static void leaves(ConfigObject object, List<String> at, java.util.Set<List<String>> keys) {
    if (object == null) {
      return;
    }
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      List<String> key = new java.util.ArrayList<>(at);
      key.add(e.getKey());
      if (e.getValue() instanceof ConfigObject inner && !(at.isEmpty() && FREE_FORM.contains(e.getKey()))) {
        leaves(inner, key, keys);
      } else {
        keys.add(List.copyOf(key));
      }
    }
  }

  private static ConfigValue valueAt(ConfigObject object, List<String> key) {
    ConfigValue value = object;
    for (String k : key) {
      if (!(value instanceof ConfigObject o)) {
        return null;
      }
      value = o.get(k);
    }
    return value;
  }

  private static ConfigObject objectAt(ConfigObject object, String... key) {
    return valueAt(object, List.of(key)) instanceof ConfigObject o ? o : null;
  }

  private static boolean sameText(ConfigValue a, ConfigValue b) {
    return a != null && b != null && a.render(ConfigRenderOptions.concise()).equals(b.render(ConfigRenderOptions.concise()));
  }

  /** Null when {@code written} declares {@code app} as {@code to} (at the count it had) and every other app as it was, else what differs. */
  private static String readsBack(String written, String app, AppSpec to, Map<String, AppSpec> was,
      Function<String, Map<String, AppSpec>> apps) {
    Map<String, AppSpec> now;
    try {
      now = apps.apply(written);
    } catch (RuntimeException e) {
      return "the text does not read: " + e.getMessage();
    }
    if (!now.keySet().equals(was.keySet())) {
      return "the apps would be " + now.keySet() + ", not " + was.keySet();
    }
    if (!to.sameWorkers(now.get(app)) || now.get(app).instances() != was.get(app).instances()) {
      return "they would read as other settings (an app-defaults or a substitution of the failed config differs)";
    }
    for (String other : was.keySet()) {
      if (!other.equals(app) && !Objects.equals(was.get(other), now.get(other))) {
        return "app " + other + " would change";
      }
    }
    return null;
  }

  private static AppSpec appIn(String text, String app, Function<String, Map<String, AppSpec>> apps) {
    try {
      return apps.apply(text).get(app);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
