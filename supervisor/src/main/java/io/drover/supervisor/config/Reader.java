package io.drover.supervisor.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Typed reads of one object of the resolved configuration (e.g. {@code drover.apps.web.restart})
 * that never throw: a bad value adds a {@link ConfigProblem} and reads as {@code null}. Values an
 * app inherited from {@code drover.app-defaults} the user wrote are reported under that key.
 * Defaults come from reference.conf only, so a key is never missing unless the user wrote null.
 */
final class Reader {
  static final String DURATION = "a duration greater than 0, such as 500ms, 10s or 1m";
  static final String DURATION_OR_ZERO = "a duration of 0 or more, such as 0s, 500ms or 1m";
  /**
   * The longest duration accepted. Pekko's scheduler refuses delays beyond about 248 days (2^31
   * ticks of 10ms) by throwing when the timer is started, long after validation, so a longer
   * timeout, interval or backoff would crash a worker's actor instead of being reported here.
   */
  static final Duration MAX_DURATION = Duration.ofDays(100);
  static final String DURATION_TOO_LONG = "a duration of at most 100d (longer cannot be scheduled)";

  private final Config config;
  private final List<String> path;
  private final List<String> defaultsPath;
  private final Origins origins;
  private final Collection<ConfigProblem> problems;

  /**
   * @param object the object read
   * @param path its full path, for messages
   * @param defaultsPath where the values it inherits are declared, or null
   */
  Reader(
      ConfigObject object,
      List<String> path,
      List<String> defaultsPath,
      Origins origins,
      Collection<ConfigProblem> problems) {
    this.config = object.toConfig();
    this.path = List.copyOf(path);
    this.defaultsPath = defaultsPath == null ? null : List.copyOf(defaultsPath);
    this.origins = origins;
    this.problems = problems;
  }

  List<String> path() {
    return path;
  }

  Origins origins() {
    return origins;
  }

  /** The object read. */
  ConfigObject object() {
    return config.root();
  }

  /** The raw value of {@code key}, or null when absent. */
  ConfigValue raw(String key) {
    return config.root().get(key);
  }

  /** Whether the user wrote {@code key} here or in the defaults this object inherits. */
  boolean userSet(String key) {
    return origins.userSet(append(path, key))
        || (defaultsPath != null && origins.userSet(append(defaultsPath, key)));
  }

  /** Records that {@code key} holds {@code found} where {@code expected} was expected. */
  void problem(String key, String found, String expected) {
    problems.add(origins.problem(keyPath(key), found, expected));
  }

  /** Records a problem at a full path (not relative to this object). */
  void problemAt(List<String> fullPath, String found, String expected) {
    problems.add(origins.problem(fullPath, found, expected));
  }

  /** Where this reader's problems go. */
  Collection<ConfigProblem> sink() {
    return problems;
  }

  /** The object under {@code key} as a nested reader, or null (and a problem) if not an object. */
  Reader group(String key) {
    ConfigValue value = raw(key);
    if (value instanceof ConfigObject object) {
      return new Reader(
          object,
          append(path, key),
          defaultsPath == null ? null : append(defaultsPath, key),
          origins,
          problems);
    }
    problem(key, describe(value), "an object");
    return null;
  }

  /** A string (numbers and booleans are taken as their text). */
  String string(String key, String expected) {
    ConfigValue value = raw(key);
    if (!isScalar(value)) {
      problem(key, describe(value), expected);
      return null;
    }
    return config.getString(quote(key));
  }

  Boolean bool(String key) {
    ConfigValue value = raw(key);
    try {
      return config.getBoolean(quote(key));
    } catch (com.typesafe.config.ConfigException e) {
      problem(key, describe(value), "true or false");
      return null;
    }
  }

  /** A whole number in [min, max]; fractions, non-numbers and out-of-range values are problems. */
  Long integer(String key, long min, long max, String expected) {
    ConfigValue value = raw(key);
    long n;
    try {
      n = config.getLong(quote(key));
    } catch (com.typesafe.config.ConfigException e) {
      problem(key, describe(value), expected);
      return null;
    }
    Object unwrapped = value.unwrapped();
    boolean whole =
        unwrapped instanceof Number number
            ? !(number instanceof Double d) || (d == Math.rint(d) && Math.abs(d) < 0x1p63)
            : isWholeNumberText(String.valueOf(unwrapped));
    if (!whole || n < min || n > max) {
      problem(key, describe(value), expected);
      return null;
    }
    return n;
  }

  /** A number in [min, max]. */
  Double number(String key, double min, double max, String expected) {
    ConfigValue value = raw(key);
    double n;
    try {
      n = config.getDouble(quote(key));
    } catch (com.typesafe.config.ConfigException e) {
      problem(key, describe(value), expected);
      return null;
    }
    if (!(n >= min && n <= max)) {
      problem(key, describe(value), expected);
      return null;
    }
    return n;
  }

  /** A duration (Typesafe Config syntax: a bare number is milliseconds), > 0 or >= 0. */
  Duration duration(String key, boolean zeroAllowed) {
    ConfigValue value = raw(key);
    String expected = zeroAllowed ? DURATION_OR_ZERO : DURATION;
    Duration d;
    try {
      d = config.getDuration(quote(key));
    } catch (com.typesafe.config.ConfigException | ArithmeticException e) {
      problem(key, describe(value), expected);
      return null;
    }
    if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
      problem(key, describe(value), expected);
      return null;
    }
    if (!schedulable(d)) {
      problem(key, describe(value), DURATION_TOO_LONG);
      return null;
    }
    return d;
  }

  /** Whether a timer can be started with {@code d} (see {@link #MAX_DURATION}). */
  static boolean schedulable(Duration d) {
    return d.compareTo(MAX_DURATION) <= 0;
  }

  /** A size in bytes greater than 0 (Typesafe Config syntax: 512K, 10M, 1G, or a bare number). */
  Long size(String key, String expected) {
    return size(key, 1, Long.MAX_VALUE, expected);
  }

  /** A size in bytes in [min, max] (K is 1024 bytes, M 1024K, as in Typesafe Config). */
  Long size(String key, long min, long max, String expected) {
    ConfigValue value = raw(key);
    long bytes;
    try {
      bytes = config.getBytes(quote(key));
    } catch (com.typesafe.config.ConfigException e) {
      problem(key, describe(value), expected);
      return null;
    }
    // Typesafe Config truncates a number such as 1.5 to 1 byte, and saturates a number too large
    // for a long (1e300, or 9223372036854775808 without a unit) at 2^63-1 instead of failing
    boolean whole =
        !(value.unwrapped() instanceof Double d) || (d == Math.rint(d) && Math.abs(d) < 0x1p63);
    if (!whole || bytes == Long.MAX_VALUE || bytes < min || bytes > max) {
      problem(key, describe(value), expected);
      return null;
    }
    return bytes;
  }

  /** An enum constant named in config style: lower case, '-' for '_' ({@code one-for-all}). */
  <E extends Enum<E>> E choice(String key, Class<E> type) {
    return choice(key, type, s -> s.toLowerCase(Locale.ROOT), Reader::configName);
  }

  /**
   * An enum constant whose {@code nameOf} equals the value after {@code normalize}; the message
   * lists every {@code nameOf}.
   */
  <E extends Enum<E>> E choice(
      String key, Class<E> type, UnaryOperator<String> normalize, Function<E, String> nameOf) {
    ConfigValue value = raw(key);
    if (value != null && value.valueType() == ConfigValueType.STRING) {
      String given = normalize.apply(((String) value.unwrapped()).trim());
      for (E constant : type.getEnumConstants()) {
        if (nameOf.apply(constant).equals(given)) {
          return constant;
        }
      }
    }
    List<String> names = Arrays.stream(type.getEnumConstants()).map(nameOf).toList();
    String expected =
        names.size() == 1 ? names.get(0) : "one of " + String.join(", ", names);
    problem(key, describe(value), expected);
    return null;
  }

  /**
   * A list of enum constants named in config style ({@link #configName}); {@code []} is the empty
   * set. Each element that names none is a problem, listed with its index.
   */
  <E extends Enum<E>> java.util.EnumSet<E> choices(String key, Class<E> type) {
    ConfigValue value = raw(key);
    List<String> names = Arrays.stream(type.getEnumConstants()).map(Reader::configName).toList();
    String expected = "a list of " + String.join(", ", names) + " (any of them, or [])";
    if (!(value instanceof ConfigList list)) {
      problem(key, describe(value), expected);
      return null;
    }
    java.util.EnumSet<E> out = java.util.EnumSet.noneOf(type);
    boolean bad = false;
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      String given = element.valueType() == ConfigValueType.STRING
          ? ((String) element.unwrapped()).trim().toLowerCase(Locale.ROOT) : null;
      int at = given == null ? -1 : names.indexOf(given);
      if (at < 0) {
        problem(key, describe(element) + " at index " + i, expected);
        bad = true;
      } else {
        out.add(type.getEnumConstants()[at]);
      }
    }
    return bad ? null : out;
  }

  /** The config name of an enum constant: {@code ONE_FOR_ALL} is {@code one-for-all}. */
  static String configName(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** A value as a message shows it: strings quoted, lists if short, "nothing" when absent. */
  static String describe(ConfigValue value) {
    if (value == null) {
      return "nothing";
    }
    ConfigValueType type;
    try {
      type = value.valueType();
    } catch (com.typesafe.config.ConfigException e) {
      return "an unresolved " + render(value);
    }
    return switch (type) {
      case NULL -> "null";
      case OBJECT -> "an object";
      case LIST -> {
        String text = render(value);
        yield text.length() <= 60 ? text : "a list of " + ((ConfigList) value).size() + " elements";
      }
      case STRING -> {
        String text = render(value);
        yield text.length() <= 80 ? text : text.substring(0, 76) + "...\"";
      }
      default -> render(value);
    };
  }

  static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }

  /** A value's text unquoted, as a message quotes it beside another key: {@code min = 5s}. */
  static String plainText(ConfigValue value) {
    return String.valueOf(value.unwrapped());
  }

  /** A string quoted as in a message: {@code "text"} with JSON escapes. */
  static String quoteText(String text) {
    return render(com.typesafe.config.ConfigValueFactory.fromAnyRef(text));
  }

  static boolean isScalar(ConfigValue value) {
    if (value == null) {
      return false;
    }
    ConfigValueType type = value.valueType();
    return type == ConfigValueType.STRING
        || type == ConfigValueType.NUMBER
        || type == ConfigValueType.BOOLEAN;
  }

  /** Whether any of the values read is null (then a problem was recorded for it). */
  static boolean anyNull(Object... values) {
    for (Object value : values) {
      if (value == null) {
        return true;
      }
    }
    return false;
  }

  /** The expected text of a whole number in [min, max], e.g. "an integer from 0 to 10". */
  static String integerRange(long min, long max) {
    return "an integer from " + min + " to " + max;
  }

  static List<String> append(List<String> path, String key) {
    List<String> result = new ArrayList<>(path);
    result.add(key);
    return result;
  }

  private List<String> keyPath(String key) {
    List<String> own = append(path, key);
    if (defaultsPath != null && !origins.userSet(own)) {
      List<String> inherited = append(defaultsPath, key);
      if (origins.userSet(inherited)) {
        return inherited;
      }
    }
    return own;
  }

  private static String quote(String key) {
    return ConfigUtil.joinPath(key);
  }

  private static boolean isWholeNumberText(String text) {
    try {
      Long.parseLong(text.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
