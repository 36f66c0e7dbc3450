package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * The HTTP/1.1 codec of a connection to a worker: Netty's request encoder and response decoder,
 * one request at a time (the connection carries no other until its answer is complete). An answer
 * to HEAD has no body, nor has a 200 to CONNECT. When the request's sender asked for it
 * ({@link #wholeAnswerFor}), a plain answer that arrived whole is not decoded into Netty's
 * objects: {@link WholeAnswer} makes it the bytes the client gets, in one pass.
 */
final class WorkerCodec extends CombinedChannelDuplexHandler<WorkerCodec.Answers, WorkerCodec.Requests> {
  private HttpMethod method = HttpMethod.GET;
  /** The request's id when its answer may come whole (null: decode it). */
  private String wholeFor;
  private boolean via;

  WorkerCodec(HttpDecoderConfig config) {
    init(new Answers(config), new Requests());
  }

  /**
   * The next answer may come as a {@link WholeAnswer} for a client of HTTP/1.1 kept alive, with
   * {@code requestId} as its X-Request-Id and Via added when {@code via}. Good for that one answer.
   */
  void wholeAnswerFor(String requestId, boolean via) {
    this.wholeFor = requestId;
    this.via = via;
  }

  final class Requests extends HttpRequestEncoder {
    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
      if (msg instanceof HttpRequest r) {
        method = r.method();
        if (method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.CONNECT)) {
          wholeFor = null;
        }
      }
      super.encode(ctx, msg, out);
    }
  }

  final class Answers extends HttpResponseDecoder {
    /** Whether the decoder is between answers (none begun): only then can one be taken whole. */
    private boolean between = true;

    Answers(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      if (between && wholeFor != null) {
        Object whole = WholeAnswer.scan(in, ctx.alloc(), wholeFor, via);
        if (whole == WholeAnswer.NEED_MORE) {
          return;
        }
        if (whole != null) {
          wholeFor = null;
          out.add(whole);
          return;
        }
        wholeFor = null; // not plain: this answer is decoded
      }
      int before = out.size();
      int read = in.readerIndex();
      super.decode(ctx, in, out);
      // an answer begun and not ended leaves the decoder mid-message; so may bytes it took without a message yet
      between = out.size() > before ? out.get(out.size() - 1) instanceof LastHttpContent : between && in.readerIndex() == read;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      wholeFor = null; // the connection closed: what came of an answer is the decoder's to judge, as a whole one could not be
      super.decodeLast(ctx, in, out);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      HttpResponse res = (HttpResponse) msg;
      if (res.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        return super.isContentAlwaysEmpty(msg); // the final answer follows
      }
      return method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.CONNECT) && res.status().code() == 200
          || super.isContentAlwaysEmpty(msg);
    }
  }
}
