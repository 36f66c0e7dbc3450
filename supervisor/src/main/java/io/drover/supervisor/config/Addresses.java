package io.drover.supervisor.config;

import java.util.Locale;

/**
 * Which texts are addresses the front may listen on: a literal IPv4 or IPv6 address, or {@code
 * localhost}. Checked by syntax alone, so validating a config never waits on a DNS lookup (and a
 * host name, which could resolve differently by the time the node binds, is refused).
 */
final class Addresses {
  static final String LOCALHOST = "localhost";

  private Addresses() {}

  /** A literal IPv4 or IPv6 address, or {@code localhost} (in any case). */
  static boolean isListenAddress(String text) {
    return text.toLowerCase(Locale.ROOT).equals(LOCALHOST) || isIpv4(text) || isIpv6(text);
  }

  /**
   * Four decimal numbers from 0 to 255 joined by dots, each without leading zeros (an address
   * such as {@code 010.0.0.1} is octal to some parsers and decimal to others, so it is refused).
   */
  static boolean isIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
        return false;
      }
      for (int i = 0; i < part.length(); i++) {
        if (part.charAt(i) < '0' || part.charAt(i) > '9') {
          return false;
        }
      }
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  /**
   * An IPv6 address as in RFC 4291 section 2.2: eight groups of 1 to 4 hex digits separated by
   * colons, at most one {@code ::} standing for one or more zero groups, and optionally an IPv4
   * address in place of the last two groups. Brackets and zone ids ({@code %eth0}) are not
   * accepted.
   */
  static boolean isIpv6(String text) {
    if (text.indexOf(':') < 0) {
      return false;
    }
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return false; // two gaps, or ":::"
    }
    String head = gap >= 0 ? text.substring(0, gap) : text;
    String tail = gap >= 0 ? text.substring(gap + 2) : "";
    int headGroups = groups(head, gap < 0);
    int tailGroups = groups(tail, true);
    if (headGroups < 0 || tailGroups < 0) {
      return false;
    }
    int total = headGroups + tailGroups;
    return gap >= 0 ? total <= 7 : total == 8;
  }

  /**
   * The number of 16-bit groups in colon-separated {@code part} (0 when empty), or -1 when it is
   * not such a list; an IPv4 address counts as two groups and may only end a part that ends the
   * address ({@code last}).
   */
  private static int groups(String part, boolean last) {
    if (part.isEmpty()) {
      return 0;
    }
    String[] groups = part.split(":", -1);
    int count = 0;
    for (int i = 0; i < groups.length; i++) {
      String group = groups[i];
      if (last && i == groups.length - 1 && group.indexOf('.') >= 0) {
        if (!isIpv4(group)) {
          return -1;
        }
        count += 2;
      } else if (isHexGroup(group)) {
        count++;
      } else {
        return -1;
      }
    }
    return count;
  }

  private static boolean isHexGroup(String group) {
    if (group.isEmpty() || group.length() > 4) {
      return false;
    }
    for (int i = 0; i < group.length(); i++) {
      char c = group.charAt(i);
      boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex) {
        return false;
      }
    }
    return true;
  }
}
