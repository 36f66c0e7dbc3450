package io.drover.supervisor.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading and parsing a configuration's text, with every failure (missing file, binary data,
 * syntax error, include cycle, missing include) turned into one {@link ConfigProblem}.
 */
final class Sources {
  static final String HOCON_FILE = "a readable UTF-8 HOCON file";
  static final String TEXT = "a UTF-8 HOCON text file";
  static final int MAX_DETAIL = 300;
  /** An include statement: the keyword at the start of a line or after '{' or ',', then its target. */
  private static final Pattern INCLUDE =
      Pattern.compile("(^|[{,])\\s*include\\s*(\"|(required|file|url|classpath)\\s*\\()");

  private Sources() {}

  /** The text of {@code file}; throws a {@link ConfigException} if it cannot be read as text. */
  static String read(Path file, String name) {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw failure(new ConfigProblem(name, 0, "", "a directory", HOCON_FILE));
      }
      if (Files.exists(file) && !Files.isRegularFile(file)) {
        // a device or pipe could be endless (/dev/zero): refuse rather than read it whole
        throw failure(new ConfigProblem(name, 0, "", "a device or pipe", HOCON_FILE));
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw failure(new ConfigProblem(name, 0, "", "no such file", HOCON_FILE));
    } catch (AccessDeniedException e) {
      throw failure(new ConfigProblem(name, 0, "", "a file without read permission", HOCON_FILE));
    } catch (IOException | SecurityException e) {
      String found = "an unreadable file (" + e.getMessage() + ")";
      throw failure(new ConfigProblem(name, 0, "", found, HOCON_FILE));
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int offset = in.position();
      throw binary(name, lineAt(bytes, offset), bytes[offset]);
    }
    decoder.flush(out);
    String text = out.flip().toString();
    checkText(text, name);
    return text;
  }

  /** Throws a {@link ConfigException} if {@code text} holds NUL characters (binary data). */
  static void checkText(String text, String name) {
    int nul = text.indexOf('\0');
    if (nul >= 0) {
      int line = 1 + (int) text.substring(0, nul).chars().filter(c -> c == '\n').count();
      throw binary(name, line, (byte) 0);
    }
  }

  /**
   * Runs a Typesafe Config parser; a failure becomes a {@link ConfigException} with one problem.
   *
   * @param text the main file's text, to find the line of a failing include (may be null)
   */
  static Config parse(Supplier<Config> parser, Origins origins, String text) {
    try {
      return parser.get();
    } catch (com.typesafe.config.ConfigException e) {
      throw failure(problem(e, origins, text));
    } catch (StackOverflowError e) {
      throw failure(
          origins.problem((ConfigOrigin) null, "a configuration nested too deeply", TEXT));
    }
  }

  /** A Typesafe Config exception (syntax, include or resolution error) as one problem. */
  static ConfigProblem problem(
      com.typesafe.config.ConfigException e, Origins origins, String text) {
    ConfigOrigin origin = e.origin();
    String detail = detail(e);
    String missing = missingInclude(e, detail);
    if (missing != null || detail.contains("cycle in your includes")) {
      int line = includeLine(text, missing);
      String found =
          missing != null
              ? "a missing include " + Reader.quoteText(missing)
              : "an include cycle (includes nested more than 50 deep)";
      String expected =
          missing != null
              ? "an include of an existing file (or an optional include without required(...))"
              : "includes without a cycle";
      return new ConfigProblem(origins.mainName(), line, "", found, expected);
    }
    if (e instanceof com.typesafe.config.ConfigException.Parse) {
      return origins.problem(origin, "a syntax error: " + detail, "valid HOCON syntax");
    }
    if (e instanceof com.typesafe.config.ConfigException.UnresolvedSubstitution) {
      return origins.problem(origin, detail, "substitutions that resolve to a value");
    }
    return origins.problem(origin, detail, "a valid configuration");
  }

  static ConfigException failure(ConfigProblem problem) {
    return new ConfigException(List.of(problem));
  }

  private static ConfigException binary(String name, int line, byte b) {
    String found = String.format("binary data (byte 0x%02x is not UTF-8 text)", b & 0xff);
    return failure(new ConfigProblem(name, line, "", found, TEXT));
  }

  /** Typesafe's message without its origin prefix, include trace, or more than one line. */
  private static String detail(com.typesafe.config.ConfigException e) {
    String message = String.valueOf(e.getMessage());
    ConfigOrigin origin = e.origin();
    if (origin != null && message.startsWith(origin.description() + ": ")) {
      message = message.substring(origin.description().length() + 2);
    }
    int trace = message.indexOf(". Trace:");
    if (trace >= 0) {
      message = message.substring(0, trace);
    }
    int newline = message.indexOf('\n');
    if (newline >= 0) {
      message = message.substring(0, newline);
    }
    return message.length() <= MAX_DETAIL ? message : message.substring(0, MAX_DETAIL) + "...";
  }

  /**
   * The 1-based line of the first include statement (naming {@code name}, if given), or 0. The
   * statement may follow other text on its line, as in {@code drover { include "apps.conf" }}.
   */
  private static int includeLine(String text, String name) {
    if (text == null) {
      return 0;
    }
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher include = INCLUDE.matcher(lines[i]);
      if (include.find() && (name == null || lines[i].indexOf(name, include.start()) >= 0)) {
        return i + 1;
      }
    }
    return 0;
  }

  /** The name of the include that was not found, if that is what {@code e} reports. */
  private static String missingInclude(com.typesafe.config.ConfigException e, String detail) {
    String name = between(detail, "include was not found: '", "'");
    if (name == null
        && e instanceof com.typesafe.config.ConfigException.IO
        && e.origin() != null
        && e.origin().lineNumber() < 1
        && (detail.contains("not found") || detail.contains("FileNotFoundException"))) {
      name = e.origin().description(); // e.g. "resource not found on classpath", named by origin
    }
    return name;
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start);
    if (from < 0) {
      return null;
    }
    from += start.length();
    int to = text.indexOf(end, from);
    return to < 0 ? null : text.substring(from, to);
  }

  private static int lineAt(byte[] bytes, int offset) {
    int line = 1;
    for (int i = 0; i < offset && i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        line++;
      }
    }
    return line;
  }
}
