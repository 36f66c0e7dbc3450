package io.drover.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one shape and encoder of every error body Drover sends, from the front and from the
 * management API: a JSON object with {@code error} (what happened, for people), then fields that
 * say which app, worker or field it concerns. The front's bodies start with {@code status}.
 */
public final class ErrorJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Long texts (an exception's message) are cut here. */
  private static final int MAX_TEXT = 512;

  private ErrorJson() {}

  /** {@code {"error": error, more...}}; {@code more} is name, value, name, value, … (null values kept). */
  public static Map<String, Object> of(String error, Object... more) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", cut(error));
    for (int i = 0; i + 1 < more.length; i += 2) {
      m.put((String) more[i], more[i + 1] instanceof String s ? cut(s) : more[i + 1]);
    }
    return m;
  }

  /** {@code {"status": status, "error": error, more...}} as UTF-8, with a final newline. */
  public static byte[] bytes(int status, String error, Object... more) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    m.putAll(of(error, more));
    try {
      byte[] json = MAPPER.writeValueAsBytes(m);
      byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
      line[json.length] = '\n';
      return line;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // strings and numbers only: cannot happen
    }
  }

  private static String cut(String s) {
    return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
  }
}
