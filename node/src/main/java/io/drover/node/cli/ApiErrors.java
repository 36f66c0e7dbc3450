package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.Map;

/** What went wrong with a call, in the user's terms: a failed connection, or the API's "no". */
final class ApiErrors {
  private ApiErrors() {}

  /** Why a connection failed, in a few words. */
  static String reason(URI base, Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("connection refused") || (c instanceof ConnectException && m.contains("refused"))) {
        return "connection refused (is it running? --url)";
      }
      if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
        return "unknown host " + base.getHost() + " (--url)";
      }
      if (c instanceof HttpConnectTimeoutException || m.contains("connect timed out") || m.contains("connection timed out")) {
        return "connection timed out (--url)";
      }
    }
    String tls = tlsReason(base, t);
    if (tls != null) {
      return tls;
    }
    if (!"https".equalsIgnoreCase(base.getScheme()) && t != null && t.getMessage() != null
        && t.getMessage().toLowerCase(Locale.ROOT).contains("received no bytes")) {
      return "the connection was closed without an answer (does the node speak https? --url https://...)";
    }
    if (!"https".equalsIgnoreCase(base.getScheme()) && t != null && "the node answered in TLS".equals(t.getMessage())) {
      return "the node answered in TLS (try --url https://...)";
    }
    if (t instanceof ConnectException && t.getMessage() == null) {
      return "connection refused (is it running? --url)"; // the JDK's client says no more for a refusal
    }
    String m = t == null ? null : t.getMessage();
    return m == null ? (t == null ? "unknown error" : t.getClass().getSimpleName()) : Cli.oneLine(m, 200);
  }

  /** Why a TLS handshake failed, in the user's terms; null when {@code t} is no such failure. */
  private static String tlsReason(URI base, Throwable t) {
    javax.net.ssl.SSLException handshake = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (c instanceof java.security.cert.CertificateExpiredException || c instanceof java.security.cert.CertificateNotYetValidException
          || m.contains("validity check failed")) {
        return "the node's certificate is expired or not yet valid (renew it; is the clock right?)";
      }
      if (m.contains("no subject alternative") || m.contains("no name matching")) {
        return "the node's certificate is not for " + base.getHost() + " (use a --url host the certificate names)";
      }
      if (c instanceof java.security.cert.CertPathBuilderException || m.contains("pkix path building failed")
          || m.contains("unable to find valid certification path")) {
        return "the node's certificate is not trusted (give --cacert FILE with its certificate or its CA, or set DROVER_CACERT)";
      }
      if (m.contains("unsupported or unrecognized ssl message")) {
        return "the node does not speak TLS (try --url http://...)";
      }
      if (handshake == null && c instanceof javax.net.ssl.SSLException e) {
        handshake = e;
      }
    }
    return handshake == null ? null
        : "TLS handshake failed: " + Cli.oneLine(handshake.getMessage() == null ? handshake.getClass().getSimpleName() : handshake.getMessage(), 200);
  }

  /** The API said no: 401 is exit 4, any other 3xx/4xx/5xx exit 1, with the API's error. */
  static ApiClient.Failure refusal(int status, String body) {
    String error = errorLine(body);
    if (status == 401) {
      return new ApiClient.Failure(
          Exit.UNAUTHORIZED,
          (error == null ? "unauthorized" : error) + " (give --token or set DROVER_TOKEN)",
          body);
    }
    if (error == null) {
      String text = Cli.oneLine(body, 200);
      error = "HTTP " + status + reasonPhrase(status) + (text.isEmpty() ? "" : ": " + text);
    }
    return new ApiClient.Failure(Exit.REFUSED, error, body);
  }

  /** " Not Found" for 404 and the like; "" for a status without a well-known phrase. */
  private static String reasonPhrase(int status) {
    return switch (status) {
      case 301 -> " Moved Permanently";
      case 302 -> " Found";
      case 304 -> " Not Modified";
      case 307 -> " Temporary Redirect";
      case 308 -> " Permanent Redirect";
      case 400 -> " Bad Request";
      case 403 -> " Forbidden";
      case 404 -> " Not Found";
      case 405 -> " Method Not Allowed";
      case 408 -> " Request Timeout";
      case 409 -> " Conflict";
      case 413 -> " Payload Too Large";
      case 415 -> " Unsupported Media Type";
      case 429 -> " Too Many Requests";
      case 500 -> " Internal Server Error";
      case 502 -> " Bad Gateway";
      case 503 -> " Service Unavailable";
      case 504 -> " Gateway Timeout";
      default -> "";
    };
  }

  /** {"error":"no such app","app":"x"} → "no such app (app: x)"; null when not such a body. */
  static String errorLine(String body) {
    JsonNode n;
    try {
      n = Json.read(body);
    } catch (Exception e) {
      return null;
    }
    if (n == null || !n.isObject() || !n.path("error").isValueNode()) {
      return null;
    }
    StringBuilder extra = new StringBuilder();
    for (Map.Entry<String, JsonNode> f : n.properties()) {
      if (!f.getKey().equals("error") && !f.getKey().equals("status") && f.getValue().isValueNode()) {
        extra.append(extra.length() == 0 ? "" : ", ").append(f.getKey()).append(": ").append(f.getValue().asText());
      }
    }
    return Cli.oneLine(n.get("error").asText() + (extra.length() == 0 ? "" : " (" + extra + ")"), 300);
  }
}
