package io.drover.http.front;

import io.drover.supervisor.Supervisor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

/** {@link FrontHarness} for tests of other packages (the management API). */
public final class FrontHarnessAccess implements AutoCloseable {
  public static final Path WEB = FrontHarness.WEB;

  private final FrontHarness h;

  private FrontHarnessAccess(FrontHarness h) {
    this.h = h;
  }

  public static FrontHarnessAccess start(ActorTestKit kit, String apps) throws Exception {
    return new FrontHarnessAccess(new FrontHarness(kit, apps));
  }

  public ActorRef<Supervisor.Command> supervisor() {
    return h.supervisor;
  }

  public ActorRef<Front.Command> front() {
    return h.front;
  }

  public PrometheusMeterRegistry registry() {
    return h.registry;
  }

  /** The directory app cwds resolve against. */
  public Path dir() {
    return h.dir;
  }

  public String marker() {
    return h.marker;
  }

  public void awaitReady(String app, int n) throws Exception {
    h.awaitReady(app, n);
  }

  /** GET through the front. */
  public HttpResponse<String> get(String path) throws Exception {
    return h.get(path);
  }

  @Override
  public void close() throws Exception {
    h.close();
  }
}
