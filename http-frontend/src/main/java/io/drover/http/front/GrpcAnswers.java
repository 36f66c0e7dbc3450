package io.drover.http.front;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * The front's own answers to gRPC calls (content-type application/grpc…), as gRPC clients read
 * them: an error the front answers before the worker's answer began is a trailers-only response
 * (status 200, grpc-status and grpc-message), its code the one gRPC's HTTP-to-status mapping
 * gives the front's HTTP status (doc/http-grpc-status-mapping.md: 502, 503, 504 and 429 are
 * UNAVAILABLE, so a client sees the same code whether it reads the status or the trailers); a
 * call whose worker failed after its answer began ends with UNAVAILABLE trailers instead of a
 * reset stream (which a gRPC client would read as CANCELLED).
 */
final class GrpcAnswers {
  private GrpcAnswers() {}

  static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
  private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
  /** gRPC's UNAVAILABLE: the service cannot be reached now; a client may retry. */
  static final int UNAVAILABLE = 14;

  /** Whether the request is a gRPC call (content-type application/grpc, +proto, +json, -web…). */
  static boolean isGrpc(HttpRequest req) {
    String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
  }

  /** gRPC's code for an HTTP status (doc/http-grpc-status-mapping.md). */
  static int code(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> UNAVAILABLE;
      default -> 2; // UNKNOWN
    };
  }

  /**
   * The front's error answer {@code error} (JSON, released here) as a trailers-only gRPC answer
   * carrying the same headers of the front's own (the request id) and the JSON as grpc-message.
   */
  static FullHttpResponse trailersOnly(FullHttpResponse error) {
    String message = error.content().toString(StandardCharsets.UTF_8).strip();
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    HttpHeaders h = res.headers();
    String id = error.headers().get(RequestIds.HEADER);
    h.set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC)
        .set(GRPC_STATUS, code(error.status().code()))
        .set(GRPC_MESSAGE, percentEncode(message))
        .set(HttpHeaderNames.CONTENT_LENGTH, 0);
    if (id != null) {
      h.set(RequestIds.HEADER, id);
    }
    error.release();
    return res;
  }

  /** The end of a call whose worker failed while it answered: UNAVAILABLE trailers. */
  static LastHttpContent unavailableTrailers(String detail) {
    LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    last.trailingHeaders()
        .set(GRPC_STATUS, UNAVAILABLE)
        .set(GRPC_MESSAGE, percentEncode("worker failed while answering: " + detail));
    return last;
  }

  /** grpc-message's encoding: UTF-8, bytes outside printable ASCII and '%' as %XX. */
  static String percentEncode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length + 16);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
