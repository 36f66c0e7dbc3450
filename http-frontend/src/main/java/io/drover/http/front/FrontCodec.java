package io.drover.http.front;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of a client connection: Netty's request decoder and response encoder, paired
 * as Netty's {@code HttpServerCodec} pairs them (an answer to HEAD has no body, a 2xx to CONNECT
 * is not chunked; a request that came with both Transfer-Encoding and Content-Length closes the connection
 * after its answer), and one thing more: a worker's {@link WholeAnswer}, already the bytes the
 * client gets, goes out as they are, past the encoder.
 */
final class FrontCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {
  /** The methods of the requests decoded and not answered yet, oldest first. */
  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();
  private boolean mustCloseAfterAnswer;

  FrontCodec(int maxInitialLine, int maxHeaderSize, int maxChunk) {
    init(new Requests(new HttpDecoderConfig().setMaxInitialLineLength(maxInitialLine).setMaxHeaderSize(maxHeaderSize)
        .setMaxChunkSize(maxChunk)), new Answers());
  }

  private final class Requests extends HttpRequestDecoder {
    Requests(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      int before = out.size();
      super.decode(ctx, in, out);
      for (int i = before; i < out.size(); i++) {
        if (out.get(i) instanceof HttpRequest r) {
          methods.add(r.method());
        }
      }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      mustCloseAfterAnswer = true; // a request that may be read two ways: its connection is not trusted further
    }
  }

  private final class Answers extends HttpResponseEncoder {
    private HttpMethod method;

    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
      return msg instanceof WholeAnswer || super.acceptOutboundMessage(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      boolean last = msg instanceof LastHttpContent || msg instanceof WholeAnswer;
      if (last && mustCloseAfterAnswer) {
        mustCloseAfterAnswer = false;
        promise = promise.unvoid();
        promise.addListener(ChannelFutureListener.CLOSE);
      }
      if (msg instanceof WholeAnswer whole) {
        methods.poll();
        ctx.write(whole.content(), promise);
        return;
      }
      super.write(ctx, msg, promise);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        return super.isContentAlwaysEmpty(msg); // the final answer follows: its request stays queued
      }
      method = methods.poll();
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
      if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method) && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
        msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        return;
      }
      super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
    }
  }
}
