package io.drover.http.management;

import java.time.Duration;
import java.util.ArrayDeque;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Closes a connection that has no request in progress and does not deliver a complete request
 * head within {@code timeout} (from its start, or from the end of its last answer). Pekko HTTP's
 * own idle-timeout only notices connections where no byte moves; a client that sends a header
 * byte every second (slowloris) never idles, and would hold its connection for ever.
 *
 * <p>One instance per connection, between Pekko's HTTP layer and the routes: requests flow
 * top to bottom, answers bottom to top. An answer ends when its entity has been sent.
 */
final class RequestHeadTimeout extends GraphStage<BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse>> {
  private static final String HEAD = "head";

  private final Inlet<HttpRequest> requestIn = Inlet.create("RequestHeadTimeout.requestIn");
  private final Outlet<HttpRequest> requestOut = Outlet.create("RequestHeadTimeout.requestOut");
  private final Inlet<HttpResponse> responseIn = Inlet.create("RequestHeadTimeout.responseIn");
  private final Outlet<HttpResponse> responseOut = Outlet.create("RequestHeadTimeout.responseOut");
  private final BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape =
      BidiShape.of(requestIn, requestOut, responseIn, responseOut);
  private final Duration timeout;

  private RequestHeadTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  /** The stage as a BidiFlow to join with the routes' flow. */
  static BidiFlow<HttpRequest, HttpRequest, HttpResponse, HttpResponse, NotUsed> of(Duration timeout) {
    return BidiFlow.fromGraph(new RequestHeadTimeout(timeout));
  }

  @Override
  public BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new TimerGraphStageLogic(shape) {
      /** Whether each open request (oldest first) was a HEAD, whose answer is sent without an entity. */
      private final ArrayDeque<Boolean> open = new ArrayDeque<>();
      private AsyncCallback<NotUsed> entitySent;

      {
        setHandler(requestIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            HttpRequest request = grab(requestIn);
            open.add(request.method().equals(HttpMethods.HEAD));
            cancelTimer(HEAD);
            push(requestOut, request);
          }

          @Override
          public void onUpstreamFinish() {
            complete(requestOut); // answers still in progress go out
          }
        });
        setHandler(requestOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(requestIn);
          }
        });
        setHandler(responseIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            HttpResponse response = grab(responseIn);
            boolean head = Boolean.TRUE.equals(open.peek());
            if (head || response.entity().isStrict()) {
              push(responseOut, response);
              answered();
            } else {
              Flow<ByteString, ByteString, Object> watched =
                  Flow.<ByteString>create().<Object>watchTermination((m, done) -> {
                    done.whenComplete((d, e) -> entitySent.invoke(NotUsed.getInstance()));
                    return m;
                  });
              org.apache.pekko.http.scaladsl.model.ResponseEntity entity =
                  (org.apache.pekko.http.scaladsl.model.ResponseEntity) response.entity();
              push(responseOut, response.withEntity(entity.transformDataBytes(watched.asScala())));
            }
          }
        });
        setHandler(responseOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(responseIn);
          }
        });
      }

      @Override
      public void preStart() {
        entitySent = createAsyncCallback(n -> answered());
        scheduleOnce(HEAD, timeout);
      }

      private void answered() {
        open.poll();
        if (open.isEmpty()) {
          scheduleOnce(HEAD, timeout);
        }
      }

      @Override
      public void onTimer(Object key) {
        if (open.isEmpty()) {
          completeStage(); // Pekko closes the connection
        }
      }
    };
  }
}
