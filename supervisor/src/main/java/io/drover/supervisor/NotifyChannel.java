package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ProbeType;
import io.drover.supervisor.process.NotifySocket;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The sd_notify side of one {@link ProcessWorker} (systemd's notify protocol), when its readiness
 * or liveness is {@code notify}: a NOTIFY_SOCKET for each process, opened before the spawn and
 * closed when the process ends, and what the process said on it that the worker keeps: its last
 * STATUS=, and a READY=1 heard before the spawn was seen through (a fast worker), applied once it
 * is. What a message means for the worker's state is the worker's to decide. Called only from the
 * worker's actor.
 */
final class NotifyChannel {
  private final AppSpec spec;
  private NotifySocket socket;
  private String status;
  /** READY=1 came before the spawn was seen through (a fast worker): applied once it is. */
  private boolean readyEarly;

  NotifyChannel(AppSpec spec) {
    this.spec = spec;
  }

  /**
   * For a process about to spawn: forgets what the last one said and, when the worker uses
   * sd_notify, opens its socket ({@code heard} gets every message) and names it in {@code env}
   * (with WATCHDOG_USEC when liveness is {@code notify}).
   */
  void open(Map<String, String> env, Consumer<NotifySocket.Message> heard) throws IOException {
    status = null;
    readyEarly = false;
    if (spec.readiness().type() != ProbeType.NOTIFY && spec.liveness().type() != ProbeType.NOTIFY) {
      return;
    }
    socket = NotifySocket.open(heard);
    env.put("NOTIFY_SOCKET", socket.path().toString());
    if (spec.liveness().type() == ProbeType.NOTIFY) {
      env.put("WATCHDOG_USEC", Long.toString(spec.liveness().interval().toNanos() / 1000));
    }
  }

  /** A message that came before the spawn was seen through: its STATUS= and READY=1 are kept. */
  void early(NotifySocket.Message message) {
    keepStatus(message);
    readyEarly |= message.ready();
  }

  boolean readyEarly() {
    return readyEarly;
  }

  /** READY=1 came: the status it carried, if any, is kept for {@link #readyDetail}. */
  void ready(NotifySocket.Message message) {
    keepStatus(message);
  }

  /** The worker's detail once sd_notify said it is ready. */
  String readyDetail() {
    return "READY=1" + (status == null ? "" : ": " + status);
  }

  /** What the message tells when it is news (STOPPING=1, or a STATUS= other than the last), else null. */
  String news(NotifySocket.Message message) {
    String said = message.stopping() ? "stopping (STOPPING=1)" : message.status();
    if (said == null || said.equals(status)) {
      return null;
    }
    status = said;
    return said;
  }

  private void keepStatus(NotifySocket.Message message) {
    status = message.status() != null ? message.status() : status;
  }

  void close() {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }
}
