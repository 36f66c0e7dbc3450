package io.drover.supervisor.process;

import java.util.ArrayList;
import java.util.List;

/**
 * The worker's port in its command line, for servers that take it as an argument ({@code python3
 * -m http.server $PORT}, {@code php -S 127.0.0.1:$PORT}), as Passenger does for its start
 * command: {@code $PORT} and {@code ${PORT}} in any argument become the worker's own port, and
 * {@code $$} a literal {@code $}. Any other {@code $} is left as it is. (HOCON's own {@code
 * ${PORT}} outside quotes reads the node's environment, the same value for every worker: in a
 * quoted string it is this token.)
 */
public final class PortToken {
  private PortToken() {}

  /** {@code command} with the tokens replaced for {@code port}. */
  public static List<String> substitute(List<String> command, int port) {
    List<String> out = new ArrayList<>(command.size());
    for (String arg : command) {
      out.add(arg.indexOf('$') < 0 ? arg : substitute(arg, Integer.toString(port)));
    }
    return out;
  }

  private static String substitute(String arg, String port) {
    StringBuilder s = new StringBuilder(arg.length() + 4);
    for (int i = 0; i < arg.length(); i++) {
      char c = arg.charAt(i);
      if (c != '$') {
        s.append(c);
      } else if (arg.startsWith("$$", i)) {
        s.append('$');
        i++;
      } else if (arg.startsWith("${PORT}", i)) {
        s.append(port);
        i += "${PORT}".length() - 1;
      } else if (arg.startsWith("$PORT", i) && !identifierAt(arg, i + "$PORT".length())) {
        s.append(port);
        i += "$PORT".length() - 1;
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  /** Whether an identifier character follows ({@code $PORTS} is not {@code $PORT}). */
  private static boolean identifierAt(String s, int i) {
    return i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_');
  }
}
