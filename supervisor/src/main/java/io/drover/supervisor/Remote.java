package io.drover.supervisor;

import io.drover.worker.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Requests for a worker on another node: the front there has no socket to it, so the whole
 * request travels as one message to the worker's actor ({@link Serve}), which answers with one
 * message ({@link Answer}). A process worker hands the request to its node's loopback gateway
 * ({@link Drainer#forward}); an actor worker handles it like a request from its own node's front.
 */
public final class Remote {
  private Remote() {}

  /**
   * Where the largest message between nodes is set: {@link Serve} and {@link Answer} travel on
   * Artery's large-message lane (drover-cluster.conf), whose frames are this size (a node's
   * {@code drover.cluster.max-message}). A larger message would be dropped on its way, unanswered.
   */
  public static final String MAX_MESSAGE = "pekko.remote.artery.advanced.maximum-large-frame-size";

  /** The bytes a request or answer may take between nodes, from the actor system's settings. */
  public static long maxMessage(com.typesafe.config.Config config) {
    return config.hasPath(MAX_MESSAGE) ? config.getBytes(MAX_MESSAGE) : Long.MAX_VALUE;
  }

  /** About the bytes of a message: the body as it is, each string as UTF-8 with a few bytes of framing, 4 KiB for the envelope. */
  private static long sizeOf(byte[] body, List<String> a, List<String> b) {
    long n = 4096L + body.length;
    for (String s : a) {
      n += utf8Length(s) + 4L;
    }
    for (String s : b) {
      n += utf8Length(s) + 4L;
    }
    return n;
  }

  /** The bytes of a string in UTF-8, at most (a surrogate pair counts 6, not 4). */
  private static int utf8Length(String s) {
    int n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        n += c < 0x800 ? 1 : 2;
      }
    }
    return n;
  }

  /**
   * One request for a worker, whole.
   *
   * @param uri path and query as the client sent them
   * @param headers name, value, name, value, … (names lower-case)
   * @param id the caller's number for the request, echoed in the answer
   */
  public record Serve(String method, String uri, List<String> headers, byte[] body, long id, ActorRef<Answer> replyTo)
      implements WorkerCommand, CrossNode {
    /** About the bytes it takes as a message between nodes (see {@link Answer#messageBytes}). */
    public long messageBytes() {
      return sizeOf(body, headers, List.of(method, uri));
    }
  }

  /**
   * The answer to a {@link Serve}: the worker's response, or (with {@code failure} set) how the
   * request ended without one; the calling front decides what its client gets.
   *
   * @param headers name, value, … (names lower-case)
   * @param trailers the trailing headers that followed the body, as {@code headers} (an h2c
   *     worker's grpc-status and grpc-message); empty when there were none
   */
  public record Answer(long id, int status, List<String> headers, byte[] body, List<String> trailers, WorkerFailure failure,
      String detail) implements CrossNode {
    /** The request ended without the worker's answer. */
    public static Answer failed(long id, WorkerFailure failure, String detail) {
      return new Answer(id, 0, List.of(), new byte[0], List.of(), failure, detail);
    }

    /**
     * About the bytes it takes as a message between nodes (CBOR: the body as it is, each header
     * and trailer with a few bytes of framing), with {@code 4 KiB} for the rest of the envelope.
     */
    public long messageBytes() {
      return sizeOf(body, headers, trailers);
    }

    /** This answer, or (when it is too large to travel between nodes) its {@code LOST} failure. */
    public Answer within(long maxMessage) {
      return failure != null || messageBytes() <= maxMessage ? this
          : failed(id, WorkerFailure.LOST, "answer of " + body.length + " bytes, larger than one message between nodes carries ("
              + MAX_MESSAGE + " = drover.cluster.max-message = " + maxMessage + " bytes)");
    }

    static Answer of(long id, Response r) {
      List<String> headers = new ArrayList<>();
      r.headers().forEach((k, v) -> {
        headers.add(k.toLowerCase(Locale.ROOT));
        headers.add(v);
      });
      return new Answer(id, r.status(), headers, r.body(), List.of(), null, null);
    }
  }

  /**
   * The request as an actor worker's {@link ActorWorker.Handle}, answering {@code m.replyTo()};
   * an answer larger than {@code maxMessage} fails as {@code LOST} instead.
   */
  static ActorWorker.Handle asHandle(Serve m, long maxMessage) {
    int q = m.uri().indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 0; i + 1 < m.headers().size(); i += 2) {
      headers.computeIfAbsent(m.headers().get(i), k -> new ArrayList<>(1)).add(m.headers().get(i + 1));
    }
    io.drover.worker.Request request =
        new io.drover.worker.Request(m.method(), q < 0 ? m.uri() : m.uri().substring(0, q), q < 0 ? "" : m.uri().substring(q + 1), headers, m.body());
    return new ActorWorker.Handle(request, new ActorWorker.Reply() {
      @Override
      public void answer(Response response) {
        m.replyTo().tell(Answer.of(m.id(), response).within(maxMessage));
      }

      @Override
      public void fail(WorkerFailure failure, String detail) {
        m.replyTo().tell(Answer.failed(m.id(), failure, detail));
      }
    });
  }
}
