package io.drover.supervisor.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds keys the schema does not know by comparing the user's objects with reference.conf's key
 * tree, so that a typo ({@code comand}) is an error instead of a silently ignored key.
 */
final class KnownKeys {
  private final Origins origins;
  private final Collection<ConfigProblem> problems;

  KnownKeys(Origins origins, Collection<ConfigProblem> problems) {
    this.origins = origins;
    this.problems = problems;
  }

  /**
   * Reports every key of {@code actual} (at {@code path}) that {@code known} lacks, then descends
   * into objects both have, except into the keys in {@code open} (maps of user-chosen names such
   * as {@code env} or {@code apps}), which are checked by their readers.
   */
  void check(ConfigObject actual, ConfigObject known, List<String> path, Set<String> open) {
    for (Map.Entry<String, ConfigValue> entry : sorted(actual)) {
      String key = entry.getKey();
      ConfigValue reference = known.get(key);
      if (reference == null) {
        unknown(Reader.append(path, key), key, known.keySet());
      } else if (!open.contains(key)
          && entry.getValue() instanceof ConfigObject child
          && reference instanceof ConfigObject referenceChild) {
        check(child, referenceChild, Reader.append(path, key), open);
      }
    }
  }

  /** Reports {@code key} (at {@code path}) as unknown, suggesting the closest of {@code known}. */
  void unknown(List<String> path, String key, Collection<String> known) {
    Optional<String> suggestion = KeySuggester.suggest(key, known);
    String expected =
        suggestion
            .map(s -> "one of the known keys (did you mean \"" + s + "\"?)")
            .orElseGet(() -> "one of the known keys: " + String.join(", ", new TreeSet<>(known)));
    problems.add(origins.problem(path, "unknown key " + Reader.quoteText(key), expected));
  }

  private static List<Map.Entry<String, ConfigValue>> sorted(ConfigObject object) {
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(object.entrySet());
    entries.sort(Map.Entry.comparingByKey());
    return entries;
  }
}
