package io.drover.http.management;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.supervisor.AppEvent;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.DroverEvent;
import io.drover.supervisor.WorkerEvent;
import io.drover.supervisor.WorkerStatus;
import io.drover.supervisor.config.AppSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The API's JSON shapes (docs/api.md), built as ordered maps and written by Jackson. */
final class Json {
  /** Reads a body as one JSON value: anything after it (a second value, garbage) is an error. */
  static final ObjectMapper MAPPER =
      new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> obj(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static Map<String, Object> error(String error, Object... more) {
    return io.drover.http.ErrorJson.of(error, more);
  }

  static Map<String, Object> app(AppStatus s, Map<Integer, Integer> inFlight, Instant now) {
    return obj(
        "name", s.app(),
        "state", s.state().label(),
        "detail", s.detail(),
        "instances", s.spec().instances(),
        "placement", s.spec().placement().name().toLowerCase(java.util.Locale.ROOT),
        "route", obj("host", s.spec().route().host(), "prefix", s.spec().route().prefix()),
        "workers", s.workers().stream().map(w -> worker(w, inFlight.getOrDefault(w.instance(), 0), now)).toList());
  }

  /** The app with what the front knows of it: in flight per worker, its queue, ejected workers. */
  static Map<String, Object> app(AppStatus s, io.drover.http.front.Front.InFlight front, Instant now) {
    Map<String, Object> app = app(s, front.byApp().getOrDefault(s.app(), Map.of()), now);
    io.drover.http.front.Front.Traffic t = front.traffic().get(s.app());
    if (t != null) {
      app.put("traffic", obj("maxConcurrency", t.maxConcurrency(), "queued", t.queued(), "maxQueue", t.maxQueue(),
          "rejected", obj("queueFull", t.rejectedFull(), "queueTimeout", t.rejectedTimeout()), "ejected", t.ejected()));
    }
    return app;
  }

  static Map<String, Object> worker(WorkerStatus w, int inFlight, Instant now) {
    Map<String, Object> worker = workerFields(w, inFlight, now);
    if (w.node() != null) {
      worker.put("node", w.node());
    }
    return worker;
  }

  private static Map<String, Object> workerFields(WorkerStatus w, int inFlight, Instant now) {
    return obj(
        "app", w.app(),
        "instance", w.instance(),
        "state", w.state().label(),
        "pid", w.pid(),
        "port", w.port(),
        "uptimeMs", w.uptime(now).toMillis(),
        "restarts", w.restarts(),
        "recycles", w.recycles(),
        "inFlight", inFlight,
        "rssBytes", w.rssBytes(),
        "cpuPercent", round(w.cpuPercent(), 10),
        "cpuSeconds", round(w.cpuSeconds(), 100),
        "since", w.since().toString(),
        "detail", w.detail());
  }

  /** {@code value} to {@code 1/scale}, or null for none. */
  static Double round(Double value, int scale) {
    return value == null ? null : Math.round(value * scale) / (double) scale;
  }

  static Map<String, Object> spec(AppSpec a) {
    return obj(
        "kind", a.kind().configName(),
        "command", a.command(),
        "cwd", a.cwd().toString(),
        "env", a.env(),
        "instances", a.instances(),
        "route", obj("host", a.route().host(), "prefix", a.route().prefix(), "stripPrefix", a.route().stripPrefix(),
            "balancer", enumName(a.route().balancer()), "retries", a.route().retries(),
            "requestTimeoutMs", a.route().requestTimeout().toMillis()),
        "readiness", obj("type", enumName(a.readiness().type()), "path", a.readiness().path(),
            "timeoutMs", a.readiness().timeout().toMillis()),
        "liveness", obj("type", enumName(a.liveness().type()), "path", a.liveness().path(),
            "intervalMs", a.liveness().interval().toMillis(), "failures", a.liveness().failures()),
        "restart", obj("policy", enumName(a.restart().policy()), "strategy", enumName(a.restart().strategy()),
            "maxRestarts", a.restart().maxRestarts(), "withinMs", a.restart().within().toMillis(),
            "minUptimeMs", a.restart().minUptime().toMillis(),
            "onGiveUp", a.restart().retryAfterGiveUp().map(d -> "retry-after " + d.toMillis() + "ms").orElse("stay")),
        "stop", obj("signal", a.stop().signal().name(), "timeoutMs", a.stop().timeout().toMillis(),
            "drainTimeoutMs", a.stop().drainTimeout().toMillis()),
        "maxMemoryBytes", a.maxMemory().isPresent() ? a.maxMemory().getAsLong() : null,
        "update", obj("maxParallel", a.update().maxParallel(), "minHealthyTimeMs", a.update().minHealthyTime().toMillis(),
            "healthyDeadlineMs", a.update().healthyDeadline().toMillis(), "autoRevert", a.update().autoRevert(),
            "canary", a.update().canary(), "autoPromote", a.update().autoPromote()));
  }

  /** One deployment: its id, state, times, reason and each slot's progress (null stays null). */
  static Map<String, Object> deployment(io.drover.supervisor.DeploymentStatus d) {
    if (d == null) {
      return null;
    }
    return obj(
        "id", d.id(),
        "state", d.state().label(),
        "cause", d.cause(),
        "started", d.started().toString(),
        "finished", d.finished() == null ? null : d.finished().toString(),
        "reason", d.reason(),
        "canaries", d.canaries(),
        "slots", d.slots().stream().map(s -> obj("instance", s.instance(), "phase", s.phase(), "pid", s.pid())).toList());
  }

  static Map<String, Object> event(DroverEvent e) {
    if (e instanceof WorkerEvent w) {
      return obj("type", "worker", "at", w.at().toString(), "app", w.app(), "instance", w.instance(),
          "state", w.state().label(), "pid", w.pid(), "port", w.port(), "restarts", w.restarts(), "detail", w.detail());
    }
    if (e instanceof io.drover.supervisor.RouteEvent r) {
      return obj("type", "route", "at", r.at().toString(), "app", r.app(), "worker", r.worker(),
          "inRotation", r.inRotation(), "detail", r.detail());
    }
    AppEvent a = (AppEvent) e;
    return obj("type", "app", "at", a.at().toString(), "app", a.app(), "state", a.state().label(), "detail", a.detail());
  }

  static String enumName(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

}
