package io.drover.worker;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A worker's answer.
 *
 * @param status the HTTP status code
 * @param headers response headers (Content-Length is set by Drover)
 * @param body the body bytes
 */
public record Response(int status, Map<String, String> headers, byte[] body) {
  public Response {
    headers = Map.copyOf(headers);
  }

  /** A text/plain UTF-8 answer. */
  public static Response text(int status, String text) {
    return new Response(status, Map.of("content-type", "text/plain; charset=utf-8"), text.getBytes(StandardCharsets.UTF_8));
  }

  /** An application/json answer (the text is sent as given). */
  public static Response json(int status, String json) {
    return new Response(status, Map.of("content-type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
  }

  /** The same answer with one more header. */
  public Response withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(status, h, body);
  }
}
