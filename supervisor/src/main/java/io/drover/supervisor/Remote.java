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
   * One request for a worker, whole.
   *
   * @param uri path and query as the client sent them
   * @param headers name, value, name, value, … (names lower-case)
   * @param id the caller's number for the request, echoed in the answer
   */
  public record Serve(String method, String uri, List<String> headers, byte[] body, long id, ActorRef<Answer> replyTo)
      implements WorkerCommand, CrossNode {}

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
      long n = 4096L + body.length;
      for (String s : headers) {
        n += s.length() + 4L;
      }
      for (String s : trailers) {
        n += s.length() + 4L;
      }
      return n;
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

  /** The request as an actor worker's {@link ActorWorker.Handle}, answering {@code m.replyTo()}. */
  static ActorWorker.Handle asHandle(Serve m) {
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
        m.replyTo().tell(Answer.of(m.id(), response));
      }

      @Override
      public void fail(WorkerFailure failure, String detail) {
        m.replyTo().tell(Answer.failed(m.id(), failure, detail));
      }
    });
  }
}
