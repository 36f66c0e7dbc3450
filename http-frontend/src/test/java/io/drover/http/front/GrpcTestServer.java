package io.drover.http.front;

import io.grpc.Attributes;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
 *   <li>{@code test.Echo/Hold}: request "ms": answers "worker:connections so far" after that long
 *   <li>{@code test.Echo/Halt}: the process halts before answering
 *   <li>{@code test.Echo/Drain}: the server shuts down gracefully (GOAWAY), answers "worker:drained"
 *       200 ms later, and the process exits once its calls are done
 * </ul>
 *
 * $GRPC_MAX_CALLS, when set, is the streams one connection may carry at once (SETTINGS_MAX_CONCURRENT_STREAMS).
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
  static final MethodDescriptor<String, String> HOLD = method("Hold", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> HALT = method("Halt", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> DRAIN = method("Drain", MethodDescriptor.MethodType.UNARY);

  public static void main(String[] args) throws Exception {
    String worker = System.getenv("DROVER_APP") + "-" + System.getenv("DROVER_INSTANCE");
    AtomicInteger connections = new AtomicInteger();
    AtomicReference<Server> self = new AtomicReference<>();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hold");
      t.setDaemon(true);
      return t;
    });
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
        .addMethod(HOLD, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
            timer.schedule(() -> {
              out.onNext(worker + ":" + connections.get());
              out.onCompleted();
            }, Long.parseLong(req), TimeUnit.MILLISECONDS)))
        .addMethod(HALT, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> Runtime.getRuntime().halt(3)))
        .addMethod(DRAIN, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          self.get().shutdown();
          timer.schedule(() -> {
            out.onNext(worker + ":drained");
            out.onCompleted();
          }, 200, TimeUnit.MILLISECONDS);
        }))
        .build();
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))))
        .addService(service)
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attributes) {
            connections.incrementAndGet();
            return attributes;
          }
        });
    String maxCalls = System.getenv("GRPC_MAX_CALLS");
    if (maxCalls != null) {
      builder.maxConcurrentCallsPerConnection(Integer.parseInt(maxCalls));
    }
    Server server = builder.build().start();
    self.set(server);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }
}
