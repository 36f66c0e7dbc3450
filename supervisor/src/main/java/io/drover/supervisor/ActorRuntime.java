package io.drover.supervisor;

import io.drover.supervisor.config.ActorSpec;
import io.drover.worker.Worker;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the workers of one {@code kind = actor} app share: a class loader of their own (so two
 * apps may load different versions of the same class) and a thread pool of their own (so a
 * worker that blocks or burns CPU stalls neither the front, nor the supervisor, nor other apps).
 * Closed with the app: its threads end and its classes can be unloaded.
 */
final class ActorRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActorRuntime.class);

  final ThreadPoolExecutor pool;
  private final URLClassLoader loader;
  private final String className;

  ActorRuntime(String app, ActorSpec spec) {
    List<URL> urls = new ArrayList<>();
    for (Path p : spec.classpath()) {
      try {
        urls.add(p.toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("bad classpath entry " + p, e);
      }
    }
    this.loader = new URLClassLoader("drover-app-" + app, urls.toArray(URL[]::new), Worker.class.getClassLoader());
    this.className = spec.className();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "drover-" + app + "-" + n.incrementAndGet());
          t.setDaemon(true);
          t.setContextClassLoader(loader);
          return t;
        };
    this.pool =
        new ThreadPoolExecutor(spec.threads(), spec.threads(), 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
    this.pool.allowCoreThreadTimeOut(true);
  }

  /** A new instance of the app's worker class (on the calling thread). */
  Worker newWorker() throws ReflectiveOperationException {
    Class<?> c = Class.forName(className, true, loader);
    if (!Worker.class.isAssignableFrom(c)) {
      throw new ClassCastException(className + " does not implement " + Worker.class.getName());
    }
    return (Worker) c.getDeclaredConstructor().newInstance();
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("threads of {} still busy 5s after the app stopped", className);
      }
      loader.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.warn("cannot close the class loader of {}: {}", className, e.toString());
    }
  }
}
