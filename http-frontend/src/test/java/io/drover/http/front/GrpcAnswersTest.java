package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The front's answers to gRPC calls, as gRPC's HTTP-to-status mapping and grpc-message encoding say. */
class GrpcAnswersTest {
  static HttpRequest request(String contentType) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/test.Echo/Unary");
    if (contentType != null) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    return r;
  }

  @Test
  void aGrpcCallIsKnownByItsContentType() {
    assertTrue(GrpcAnswers.isGrpc(request("application/grpc")));
    assertTrue(GrpcAnswers.isGrpc(request("application/grpc+proto")));
    assertTrue(GrpcAnswers.isGrpc(request("Application/GRPC-web")));
    assertFalse(GrpcAnswers.isGrpc(request("application/json")));
    assertFalse(GrpcAnswers.isGrpc(request("application/grp")));
    assertFalse(GrpcAnswers.isGrpc(request(null)));
  }

  @ParameterizedTest
  @CsvSource({"400,13", "401,16", "403,7", "404,12", "429,14", "502,14", "503,14", "504,14", "500,2", "413,2", "408,2"})
  void theFrontsStatusMapsToTheCodeGrpcGivesIt(int http, int grpc) {
    assertEquals(grpc, GrpcAnswers.code(http));
  }

  @Test
  void anErrorBecomesATrailersOnlyAnswerWithItsRequestId() {
    FullHttpResponse json = FrontErrors.failure(ByteBufAllocator.DEFAULT,
        new FailurePolicy.Respond(502, "worker failed: 100% gone"), "grpc", "grpc-0@4000");
    json.headers().set(RequestIds.HEADER, "abc");
    FullHttpResponse r = GrpcAnswers.trailersOnly(json);
    assertEquals(0, json.refCnt(), "the JSON answer was released");
    assertEquals(200, r.status().code());
    assertEquals("application/grpc", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
    assertEquals("14", r.headers().get(GrpcAnswers.GRPC_STATUS));
    assertEquals("{\"status\":502,\"error\":\"worker failed: 100%25 gone\",\"app\":\"grpc\",\"worker\":\"grpc-0@4000\"}",
        r.headers().get(GrpcAnswers.GRPC_MESSAGE));
    assertEquals("abc", r.headers().get(RequestIds.HEADER));
    assertFalse(r.content().isReadable());
    assertTrue(r.trailingHeaders().isEmpty(), "trailers-only: everything in the one HEADERS frame");
  }

  @Test
  void aCutCallEndsWithUnavailableTrailers() {
    LastHttpContent last = GrpcAnswers.unavailableTrailers("its stream closed");
    assertEquals("14", last.trailingHeaders().get(GrpcAnswers.GRPC_STATUS));
    assertEquals("worker failed while answering: its stream closed", last.trailingHeaders().get(GrpcAnswers.GRPC_MESSAGE));
  }

  @Test
  void grpcMessageIsPercentEncodedUtf8() {
    assertEquals("plain text: ok", GrpcAnswers.percentEncode("plain text: ok"));
    assertEquals("50%25 caf%C3%A9%0A", GrpcAnswers.percentEncode("50% café\n"));
  }
}
