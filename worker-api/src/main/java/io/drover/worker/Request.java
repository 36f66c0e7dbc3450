package io.drover.worker;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request, as routed to an actor worker; its body was read in full (up to the app's
 * {@code max-body}).
 *
 * @param method the HTTP method, e.g. "GET"
 * @param path the path (after {@code strip-prefix}), without the query
 * @param query the raw query string without '?', or "" when none
 * @param headers header names in lower case, each with its values in order
 * @param body the body bytes (empty when none)
 */
public record Request(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

  /** The first value of a header (name in any case), or null. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
