package io.drover.http.management;

import static io.drover.http.management.Json.error;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers requests Pekko HTTP cannot parse (bad request line, header or framing, a URI or header
 * past its limit) with the API's JSON error body instead of Pekko's plain text. They are the
 * client's fault, so always a 4xx: an unknown method, which Pekko answers 501, is a 405, and any
 * other 5xx of the parser a 400. Named by {@code pekko.http.server.parsing.error-handler}; Pekko
 * instantiates it by its no-argument constructor.
 */
public final class JsonParsingErrors extends ParsingErrorHandler {
  private static final int MAX_DETAIL = 200;

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue();
    int answer = code == 501 ? 405 : code >= 500 ? 400 : code;
    String detail = info.detail() == null || info.detail().isEmpty() ? "" : ": " + info.detail();
    if (detail.length() > MAX_DETAIL) {
      detail = detail.substring(0, MAX_DETAIL) + "...";
    }
    log.debug("illegal request, answering {}: {}{}", answer, info.summary(), detail);
    return ManagementRoutes.response(answer, error(info.summary() + detail));
  }
}
