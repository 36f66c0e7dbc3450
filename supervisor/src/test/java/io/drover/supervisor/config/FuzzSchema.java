package io.drover.supervisor.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * What the config fuzz tests generate from: the settings reference.conf declares, the values that
 * are wrong or odd for each kind, and how a value is placed in a file (at which key, among which
 * valid lines, written how).
 */
final class FuzzSchema {
  static final String APP = "w";
  static final List<String> APP_PATH = List.of("drover", "apps", APP);
  static final List<String> DEFAULTS_PATH = List.of("drover", "app-defaults");
  static final String CLASS_NAME = "com.example.Fuzz";

  private FuzzSchema() {}

  /** A choice's comment that lists on or off among its words: "a | on | off". */
  private static final Pattern ON_OR_OFF_CHOICE =
      Pattern.compile("\\|\\s*(on|off)\\b|\\b(on|off)\\s*\\|");

  /** What a key holds, judged from its default in reference.conf (and its comment). */
  enum Type {
    /** on/off, true/false. */
    FLAG,
    /** A whole number. */
    INTEGER,
    /** A number with a fraction (random-factor). */
    FRACTION,
    DURATION,
    SIZE,
    /** One of the words its comment lists, "a | b | c". */
    CHOICE,
    /**
     * A choice whose words include on or off (access-log = inherit | on | off): HOCON reads those
     * as booleans, so true and false are among its right values.
     */
    SWITCH,
    /** Any string; which ones are right depends on the key (paths, hosts, class names). */
    TEXT,
    LIST,
    OBJECT
  }

  /**
   * A key of reference.conf.
   *
   * @param path under {@code drover}, e.g. [drover, http, port]; an app key is under
   *     [drover, app-defaults]
   * @param appKey whether it is an app key (may be written in app-defaults or on an app)
   * @param actorOnly whether only apps of kind = actor read it
   */
  record Setting(List<String> path, Type type, boolean appKey, boolean actorOnly) {
    /** The path below the app (or app-defaults), for an app key. */
    List<String> relative() {
      return path.subList(2, path.size());
    }

    @Override
    public String toString() {
      return ConfigUtil.joinPath(path) + " (" + type + (actorOnly ? ", actor" : "") + ")";
    }
  }

  static final List<Setting> SETTINGS = settings();

  /** Every key reference.conf declares (from {@link ConfigReference}, comments included). */
  static List<Setting> settings() {
    Config reference = ConfigLoaderTest.reference();
    List<Setting> settings = new ArrayList<>();
    Map<String, Boolean> actorOnly = new HashMap<>();
    for (ConfigReference.Entry entry : ConfigReference.entries()) {
      List<String> path = ConfigUtil.splitPath(entry.key());
      boolean appKey = path.size() > 2 && path.subList(0, 2).equals(DEFAULTS_PATH);
      String parent = ConfigUtil.joinPath(path.subList(0, path.size() - 1));
      boolean actor =
          appKey
              && (entry.comment().startsWith("kind = actor:")
                  || actorOnly.getOrDefault(parent, false));
      actorOnly.put(entry.key(), actor);
      settings.add(
          new Setting(path, type(reference.getValue(entry.key()), entry.comment()), appKey, actor));
    }
    return List.copyOf(settings);
  }

  static Type type(ConfigValue value, String comment) {
    if (value instanceof ConfigObject) {
      return Type.OBJECT;
    }
    if (value instanceof ConfigList) {
      return Type.LIST;
    }
    if (value.valueType() == ConfigValueType.NUMBER) {
      double d = ((Number) value.unwrapped()).doubleValue();
      return d == Math.rint(d) ? Type.INTEGER : Type.FRACTION;
    }
    if (value.valueType() == ConfigValueType.BOOLEAN) {
      return Type.FLAG;
    }
    Config one = value.atKey("v");
    if (comment.contains("|")) {
      return ON_OR_OFF_CHOICE.matcher(comment).find() ? Type.SWITCH : Type.CHOICE;
    }
    if (succeeds(() -> one.getBoolean("v")) && !comment.contains("size")) {
      return Type.FLAG; // max-memory = off is "off or a size": text
    }
    if (succeeds(() -> one.getDuration("v"))) {
      return Type.DURATION;
    }
    if (succeeds(() -> one.getBytes("v"))) {
      return Type.SIZE;
    }
    return Type.TEXT;
  }

  static boolean succeeds(Runnable r) {
    try {
      r.run();
      return true;
    } catch (com.typesafe.config.ConfigException e) {
      return false;
    }
  }

  /** Values every key of the type refuses (HOCON literals). */
  static List<String> wrongValues(Type type) {
    List<String> structure = List.of("{}", "{ a = 1 }", "[]", "[1, 2]", "null");
    List<String> specific =
        switch (type) {
          case FLAG -> List.of(
              "\"banana\"", "2", "-1", "0.5", "1e300", "9223372036854775808", "\"\"",
              "\"yes please\"");
          case INTEGER -> List.of(
              "-1", "1e300", "-1e300", "9223372036854775808", "-9223372036854775809", "3.5",
              "1e400", "\"banana\"", "true", "\"\"", "\"12abc\"", "\"0x10\"", "\"1_000\"");
          case FRACTION -> List.of(
              "-1", "1e300", "9223372036854775808", "-0.5", "1.5", "\"banana\"", "true", "\"\"",
              "\"NaN\"", "\"Infinity\"");
          case DURATION -> List.of(
              "\"5 parsecs\"", "\"10 mss\"", "\"-5s\"", "\"1e300d\"", "\"9223372036854775807d\"",
              "\"300d\"", "1e300", "-1", "\"banana\"", "true", "\"\"", "\"s\"", "\"5 5s\"",
              "\"1.5.2s\"", "\"99999999999999999999999\"");
          case SIZE -> List.of(
              "\"10 MiBs\"", "\"-1K\"", "\"1e30G\"", "\"5 parsecs\"", "-1", "1e300",
              "9223372036854775808", "1.5", "\"banana\"", "true", "\"\"", "\"K\"", "\"1.5.2M\"",
              "\"8 EiB\"", "\"99999999999999999999999\"");
          case CHOICE -> List.of(
              "\"banana\"", "\"\"", "42", "true", "-1", "1e300", "\"process process\"",
              "\"TERM INT\"");
          case SWITCH -> List.of(
              "\"banana\"", "\"\"", "42", "-1", "1e300", "\"process process\"", "\"on off\"");
          case TEXT -> List.of();
          case LIST -> List.of(
              "42", "\"banana\"", "true", "{}", "{ a = 1 }", "null", "[[]]", "[{}]", "[null]",
              "[\"\"]", "[[1, 2]]");
          case OBJECT -> List.of("42", "\"banana\"", "true", "[]", "[1]", "null", "1e300");
        };
    if (type == Type.LIST || type == Type.OBJECT) {
      return specific;
    }
    List<String> all = new ArrayList<>(structure);
    all.addAll(specific);
    return all;
  }

  /** Values a key may or may not accept: nothing is assumed, the outcome is counted. */
  static final List<String> ODD_VALUES =
      List.of(
          "0", "\"0\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"", "\"/no/such/dir\"", "\"é\"",
          "\"../../../../../../../../etc\"", "1e300", "-1", "true", "\"\"",
          "\"" + "x".repeat(100_000) + "\"", "\"\\t\\n\"", "\"${x}\"", "[\"a\", 1, true]");

  // ---------------------------------------------------------------------------------------------
  // How a value is placed in a file

  /**
   * A value written at a key: on app {@code w} or in app-defaults for an app key, where the
   * reference puts it otherwise. {@code definite}: one of {@link #wrongValues}, so it must be
   * refused; otherwise one of {@link #ODD_VALUES}.
   */
  record Placed(
      Setting setting, boolean inDefaults, String value, boolean definite, Layout layout) {
    List<String> path() {
      if (!setting.appKey()) {
        return setting.path();
      }
      List<String> path = new ArrayList<>(inDefaults ? DEFAULTS_PATH : APP_PATH);
      path.addAll(setting.relative());
      return path;
    }
  }

  /** Where the statement goes among the other lines, and how it is written. */
  record Layout(int padBefore, boolean statementFirst, int padBetween, int form) {}

  static Arbitrary<Layout> layouts() {
    return net.jqwik.api.Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.of(true, false),
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 2))
        .as(Layout::new);
  }

  static Arbitrary<Placed> placedValues() {
    return Arbitraries.of(SETTINGS)
        .flatMap(
            setting -> {
              List<String> wrong = wrongValues(setting.type());
              Arbitrary<String> definite =
                  wrong.isEmpty() ? Arbitraries.of(ODD_VALUES) : Arbitraries.of(wrong);
              return net.jqwik.api.Combinators.combine(
                      Arbitraries.of(true, false),
                      Arbitraries.frequencyOf(
                          net.jqwik.api.Tuple.of(4, definite.map(v -> new Object[] {v, true})),
                          net.jqwik.api.Tuple.of(
                              1, Arbitraries.of(ODD_VALUES).map(v -> new Object[] {v, false}))),
                      layouts())
                  .as(
                      (inDefaults, value, layout) ->
                          new Placed(
                              setting,
                              inDefaults && setting.appKey(),
                              (String) value[0],
                              (Boolean) value[1] && !wrong.isEmpty(),
                              layout));
            });
  }

  /** Placed values whose text is ASCII. */
  static Arbitrary<Placed> asciiValues() {
    return placedValues().filter(p -> p.value().chars().allMatch(c -> c < 128));
  }

  /** The statement, written in one of three ways on one line. */
  static String statement(Placed placed) {
    List<String> path = placed.path();
    return switch (placed.layout().form()) {
      case 0 -> ConfigUtil.joinPath(path) + " = " + placed.value();
      case 1 -> ConfigUtil.joinPath(path) + ": " + placed.value();
      default -> {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < path.size() - 1; i++) {
          s.append(ConfigUtil.joinPath(path.get(i))).append(" { ");
        }
        s.append(ConfigUtil.joinPath(path.get(path.size() - 1))).append(" = ").append(placed.value());
        s.append(" }".repeat(path.size() - 1));
        yield s.toString();
      }
    };
  }

  /** The valid lines a placed value goes with: app {@code w} of the kind that reads the key. */
  static List<String> base(Placed placed) {
    Setting setting = placed.setting();
    return base(setting.actorOnly(), setting.appKey() ? setting.relative().get(0) : "");
  }

  /**
   * A valid file declaring app {@code w}: a process app, or with {@code actor} an actor app,
   * without its own {@code omit} key (so that a value written for it in app-defaults is used).
   */
  static List<String> base(boolean actor, String omit) {
    List<String> lines = new ArrayList<>();
    lines.add("drover {");
    lines.add("  apps." + APP + " {");
    if (actor) {
      lines.add("    kind = actor");
      if (!omit.equals("class")) {
        lines.add("    class = \"" + CLASS_NAME + "\"");
      }
    } else if (!omit.equals("command")) {
      lines.add("    command = [\"true\"]");
    }
    lines.add("  }");
    lines.add("}");
    return lines;
  }
}
