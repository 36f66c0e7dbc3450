package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request that travels whole as one message — to an actor worker, or to a worker on another
 * node — and the way its answer comes back to the connection's event loop.
 */
final class WholeMessages {
  private WholeMessages() {}

  /** The gathered body as bytes (empty when there was none). */
  static byte[] bytes(ByteBuf gathered) {
    byte[] body = new byte[gathered == null ? 0 : gathered.readableBytes()];
    if (gathered != null) {
      gathered.getBytes(gathered.readerIndex(), body);
    }
    return body;
  }

  /** The request as an actor worker sees it: path and query apart, header names in lower case. */
  static io.drover.worker.Request workerRequest(HttpRequest request, byte[] body) {
    String uri = request.uri();
    int q = uri.indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : request.headers()) {
      headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(h.getValue());
    }
    return new io.drover.worker.Request(
        request.method().name(), q < 0 ? uri : uri.substring(0, q), q < 0 ? "" : uri.substring(q + 1), headers, body);
  }

  /** Headers as name, value, name, value, … with names in lower case (how they travel between nodes). */
  static List<String> headerPairs(HttpHeaders headers) {
    List<String> pairs = new ArrayList<>(headers.size() * 2);
    for (Map.Entry<String, String> h : headers) {
      pairs.add(h.getKey().toLowerCase(Locale.ROOT));
      pairs.add(h.getValue());
    }
    return pairs;
  }

  /** Brings an actor worker's answer back to the connection's event loop. */
  record ActorReply(ProxyHandler proxy, long id, io.netty.channel.EventLoop loop)
      implements io.drover.supervisor.ActorWorker.Reply {
    @Override
    public void answer(io.drover.worker.Response response) {
      loop.execute(() -> proxy.onActorAnswer(id, response));
    }

    @Override
    public void refuse(String why) {
      loop.execute(() -> proxy.onActorRefused(id, why));
    }
  }

  /** Brings an answer from another node back to the connection's event loop. */
  record RemoteReply(ProxyHandler proxy, long id, io.netty.channel.EventLoop loop) implements RemoteCalls.Callback {
    @Override
    public void answer(io.drover.supervisor.Remote.Answer answer) {
      loop.execute(() -> proxy.onRemoteAnswer(id, answer));
    }

    @Override
    public void refuse(String why) {
      loop.execute(() -> proxy.onActorRefused(id, why));
    }

    @Override
    public void lost(String why) {
      loop.execute(() -> proxy.onRemoteLost(id, why));
    }
  }
}
