package io.drover.node;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.AutoscaleSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The slot counts of cluster-placed apps scaled at run time ({@code drover scale}, the cluster
 * autoscaler), kept in the cluster's config text: one override line per app on top of the text
 * that was applied. A new text applied later carries an app's line over when it declares the
 * same {@code instances} and {@code autoscale} for the app as the text the line was added to (an
 * autoscaled app's count within its new min and max when only those moved), as a local app keeps
 * a count scaled through the API, or its load's, across an apply; a text that declares another
 * count, or turns autoscaling on or off, sets the count anew. Pure: the caller parses.
 */
final class ScaledCounts {
  static final String MARK = "\n# scaled through the management API\ndrover.apps.\"";
  private static final Pattern LINE = Pattern.compile(Pattern.quote(MARK) + "([a-z0-9][a-z0-9_-]*)\"\\.instances = ([0-9]+)\n");

  private ScaledCounts() {}

  /** {@code text} with {@code app} scaled to {@code instances}: an earlier line of the app is replaced, not stacked. */
  static String scale(String text, String app, int instances) {
    return without(text, app) + line(app, instances);
  }

  /** The counts the override lines of {@code text} set, app by app. */
  static Map<String, Integer> of(String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    Matcher m = LINE.matcher(text);
    while (m.find()) {
      counts.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    return counts;
  }

  /** {@code text} without its override lines: what was applied. */
  static String declared(String text) {
    return LINE.matcher(text).replaceAll("");
  }

  /**
   * {@code next} with the override lines of {@code previous} that still hold (see the class
   * comment). An app {@code next} scales itself, or no longer places on the cluster, is left as
   * {@code next} has it.
   *
   * @param apps the apps a config text declares (throws when it is invalid: nothing is carried)
   */
  static String carry(String previous, String next, Function<String, Map<String, AppSpec>> apps) {
    Map<String, Integer> scaled = of(previous);
    if (scaled.isEmpty()) {
      return next;
    }
    Map<String, AppSpec> before;
    Map<String, AppSpec> after;
    try {
      before = apps.apply(declared(previous));
      after = apps.apply(next);
    } catch (RuntimeException invalid) {
      return next; // the apply reports the new text's problems; an old text that no longer parses carries nothing
    }
    Map<String, Integer> own = of(next);
    StringBuilder carried = new StringBuilder(next);
    scaled.forEach((app, count) -> {
      AppSpec was = before.get(app);
      AppSpec is = after.get(app);
      if (own.containsKey(app) || was == null || is == null || !was.clusterPlaced() || !is.clusterPlaced()
          || was.instances() != is.instances()) {
        return;
      }
      AutoscaleSpec a = is.autoscale();
      if (a.enabled() && was.autoscale().enabled()) {
        carried.append(line(app, Math.max(a.min(), Math.min(a.max(), count))));
      } else if (a.equals(was.autoscale())) {
        carried.append(line(app, count));
      }
    });
    return carried.toString();
  }

  private static String without(String text, String app) {
    return text.replaceAll(Pattern.quote(MARK + app + "\".instances = ") + "[0-9]+\n", "");
  }

  private static String line(String app, int instances) {
    return MARK + app + "\".instances = " + instances + "\n";
  }
}
