package io.drover.http;

import io.drover.supervisor.config.PemFiles;
import io.drover.supervisor.config.TlsSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is built from PEM certificate/key pairs (the front's Netty contexts, the management API's
 * JDK context), kept current as the files change. Certbot and cert-manager renew in place, so the
 * files are polled every {@code reload-interval} on a thread of their own: when their bytes changed
 * and the new pairs check, what is built from them replaces the old in one volatile write, so new
 * connections get the new certificates and open ones keep theirs. A bad change (half-written, a
 * key of another certificate, expired) is logged and the old one kept; it is tried again when the
 * files change again.
 *
 * @param <T> what is built from the files' bytes
 * @param <E> what building it may throw besides a {@link PemFiles.Problem}
 */
public final class PemReloader<T, E extends Exception> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PemReloader.class);

  /** Builds from every file's bytes (by path); a problem refuses the change. */
  @FunctionalInterface
  public interface Builder<T, E extends Exception> {
    T build(Map<Path, byte[]> files) throws PemFiles.Problem, E;
  }

  private final List<TlsSpec.Pair> pairs;
  private final Builder<T, E> builder;
  private final String what;
  private final ScheduledExecutorService poller;
  private volatile T current;
  /** The bytes of every file the current value (or the last refused change) was read from; null after a failed read. */
  private Map<Path, byte[]> seen;
  private volatile long reloads;
  private volatile long refusals;

  /**
   * Builds from the files now (checked once more: they may have changed since validation) and
   * starts polling them every {@code interval} (zero: never).
   *
   * @param what how log lines name it ("front tls: certificates")
   */
  public static <T, E extends Exception> PemReloader<T, E> start(
      List<TlsSpec.Pair> pairs, Duration interval, String what, String thread, Builder<T, E> builder) throws PemFiles.Problem, E {
    PemReloader<T, E> reloader = new PemReloader<>(pairs, interval, what, thread, builder);
    Map<Path, byte[]> files = reloader.readAll();
    reloader.current = builder.build(files);
    reloader.seen = files;
    if (reloader.poller != null) {
      long every = interval.toMillis();
      reloader.poller.scheduleWithFixedDelay(reloader::check, every, every, TimeUnit.MILLISECONDS);
    }
    return reloader;
  }

  private PemReloader(List<TlsSpec.Pair> pairs, Duration interval, String what, String thread, Builder<T, E> builder) {
    this.pairs = List.copyOf(pairs);
    this.builder = builder;
    this.what = what;
    this.poller = interval.isZero()
        ? null
        : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
          });
  }

  /** What the files held when they last checked. */
  public T current() {
    return current;
  }

  /** Successful reloads so far. */
  public long reloads() {
    return reloads;
  }

  /** Changed files refused so far (unreadable, or pairs that do not check). */
  public long refusals() {
    return refusals;
  }

  /** Reloads when a file changed; never throws (a failed poll would end the schedule). */
  void check() {
    try {
      Map<Path, byte[]> files;
      try {
        files = readAll();
      } catch (PemFiles.Problem p) {
        if (seen != null) {
          log.warn("{} not reloaded, old ones kept: {}", what, p.getMessage());
          seen = null; // reported once; tried again when the file is back
          refusals++;
        }
        return;
      }
      if (seen != null && same(files, seen)) {
        return;
      }
      seen = files;
      try {
        current = builder.build(files);
        reloads++;
        log.info("{} reloaded ({} pairs); new connections get them", what, pairs.size());
      } catch (Exception e) { // the problem of a pair, what building threw, or a RuntimeException
        refusals++;
        log.warn("{} not reloaded, old ones kept: {}", what, e.getMessage());
      }
    } catch (RuntimeException e) {
      log.warn("{}: reload check failed: {}", what, e.toString());
    }
  }

  private Map<Path, byte[]> readAll() throws PemFiles.Problem {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (TlsSpec.Pair pair : pairs) {
      files.put(pair.cert(), PemFiles.read(PemFiles.Part.CERT, pair.cert(), PemFiles.CERT_EXPECTED));
      files.put(pair.key(), PemFiles.read(PemFiles.Part.KEY, pair.key(), PemFiles.KEY_EXPECTED));
    }
    return files;
  }

  private static boolean same(Map<Path, byte[]> a, Map<Path, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<Path, byte[]> e : a.entrySet()) {
      if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
