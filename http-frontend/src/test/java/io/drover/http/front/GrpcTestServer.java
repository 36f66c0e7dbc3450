package io.drover.http.front;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A gRPC server (grpc-java over Netty, h2c) run as a worker process by {@link FrontGrpcTest}:
 * listens on 127.0.0.1:$PORT; messages are UTF-8 strings (a hand-made marshaller: no protoc).
 * Answers name the worker ($DROVER_APP-$DROVER_INSTANCE).
 *
 * <ul>
 *   <li>{@code test.Echo/Unary}: "worker:request"
 *   <li>{@code test.Echo/Count}: request "n" answers n messages "0".."n-1", then OK
 *   <li>{@code test.Echo/Chat}: bidi; each message is answered "worker:message", the end with the end
 *   <li>{@code test.Echo/Sum}: client-streaming; answers "worker:count:total length" at the end
 *   <li>{@code test.Echo/Fail}: ends with NOT_FOUND and the request as its description
 *   <li>{@code test.Echo/Tick}: answers "pid" first, then a message every 20 ms, up to 60 s
 * </ul>
 */
public final class GrpcTestServer {
  private GrpcTestServer() {}

  static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  static final MethodDescriptor<String, String> SUM = method("Sum", MethodDescriptor.MethodType.CLIENT_STREAMING);
  static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> TICK = method("Tick", MethodDescriptor.MethodType.SERVER_STREAMING);

  public static void main(String[] args) throws Exception {
    String worker = System.getenv("DROVER_APP") + "-" + System.getenv("DROVER_INSTANCE");
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          out.onNext(worker + ":" + req);
          out.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String req, StreamObserver<String> out) -> {
          int n = Integer.parseInt(req);
          for (int i = 0; i < n; i++) {
            out.onNext(Integer.toString(i));
          }
          out.onCompleted();
        }))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<String> out) -> new StreamObserver<String>() {
          @Override
          public void onNext(String m) {
            out.onNext(worker + ":" + m);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .addMethod(SUM, ServerCalls.asyncClientStreamingCall((StreamObserver<String> out) -> new StreamObserver<String>() {
          int count;
          long length;

          @Override
          public void onNext(String m) {
            count++;
            length += m.length();
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onNext(worker + ":" + count + ":" + length);
            out.onCompleted();
          }
        }))
        .addMethod(FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
            out.onError(Status.NOT_FOUND.withDescription("no such thing: " + req).asRuntimeException())))
        .addMethod(TICK, ServerCalls.asyncServerStreamingCall((String req, StreamObserver<String> out) -> {
          out.onNext(Long.toString(ProcessHandle.current().pid()));
          Thread ticker = new Thread(() -> {
            try {
              for (int i = 0; i < 3000; i++) {
                Thread.sleep(20);
                out.onNext(worker + ":tick " + i);
              }
              out.onCompleted();
            } catch (InterruptedException | RuntimeException e) {
              // the call was cancelled: nothing more to send
            }
          });
          ticker.setDaemon(true);
          ticker.start();
        }))
        .build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))))
        .addService(service)
        .build()
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }
}
