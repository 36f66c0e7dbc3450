package io.drover.node;

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
 * A grpc-java server (h2c) run as a worker process by {@link ClusterGrpcTest}: listens on
 * 127.0.0.1:$PORT; messages are UTF-8 strings (a hand-made marshaller: no protoc).
 *
 * <ul>
 *   <li>{@code test.Echo/Unary}: "pid:request"
 *   <li>{@code test.Echo/Count}: request "n" answers n messages "0".."n-1", then OK
 *   <li>{@code test.Echo/Fail}: ends with NOT_FOUND and the request as its description
 *   <li>{@code test.Echo/Halt}: the process halts before answering
 * </ul>
 */
public final class GrpcWorker {
  private GrpcWorker() {}

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
  static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> HALT = method("Halt", MethodDescriptor.MethodType.UNARY);

  public static void main(String[] args) throws Exception {
    long pid = ProcessHandle.current().pid();
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          out.onNext(pid + ":" + req);
          out.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String req, StreamObserver<String> out) -> {
          for (int i = 0, n = Integer.parseInt(req); i < n; i++) {
            out.onNext(Integer.toString(i));
          }
          out.onCompleted();
        }))
        .addMethod(FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
            out.onError(Status.NOT_FOUND.withDescription("no such thing: " + req).asRuntimeException())))
        .addMethod(HALT, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> Runtime.getRuntime().halt(3)))
        .build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))))
        .addService(service)
        .build()
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }
}
