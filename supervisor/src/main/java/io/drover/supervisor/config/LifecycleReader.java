package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The groups of an app that say how each worker is watched, restarted and stopped: {@code
 * readiness} and {@code liveness}, {@code restart} (with {@code backoff} and {@code on-give-up})
 * and {@code stop}. Each reads one group of {@link AppReader}'s app, or answers null when a
 * problem was found in it.
 */
final class LifecycleReader {
  static final String ON_GIVE_UP =
      "stay or \"retry-after <duration>\" with a duration > 0 and at most 100d, such as \"retry-after 5m\"";
  static final String STAY = "stay";
  static final String RETRY_AFTER = "retry-after";

  private LifecycleReader() {}

  static ProbeSpec probe(Reader probe, boolean liveness) {
    if (probe == null) {
      return null;
    }
    ProbeType type = probe.choice("type", ProbeType.class);
    String path = probe.string("path", "a path starting with \"/\"");
    if (path != null && (!path.startsWith("/") || AppReader.containsSpace(path))) {
      probe.problem("path", Reader.quoteText(path), "a path starting with \"/\"");
      path = null;
    }
    Duration interval = probe.duration("interval", false);
    Duration timeout = probe.duration("timeout", false);
    Long failures =
        liveness
            ? probe.integer("failures", 1, Integer.MAX_VALUE, "a positive integer")
            : Long.valueOf(0); // readiness has no failures: its timeout bounds the start
    return anyNull(type, path, interval, timeout, failures)
        ? null
        : new ProbeSpec(type, path, interval, timeout, failures.intValue());
  }

  static RestartSpec restart(Reader restart) {
    if (restart == null) {
      return null;
    }
    RestartPolicy policy = restart.choice("policy", RestartPolicy.class);
    RestartStrategy strategy = restart.choice("strategy", RestartStrategy.class);
    BackoffSpec backoff = backoff(restart, restart.group("backoff"));
    Long maxRestarts =
        restart.integer("max-restarts", 0, Integer.MAX_VALUE, "an integer of 0 or more");
    Duration within = restart.duration("within", false);
    Duration minUptime = restart.duration("min-uptime", true);
    Optional<Duration> retryAfter = onGiveUp(restart);
    return anyNull(policy, strategy, backoff, maxRestarts, within, minUptime, retryAfter)
        ? null
        : new RestartSpec(
            policy, strategy, backoff, maxRestarts.intValue(), within, minUptime, retryAfter);
  }

  private static BackoffSpec backoff(Reader restart, Reader backoff) {
    if (backoff == null) {
      return null;
    }
    Duration min = backoff.duration("min", false);
    Duration max = backoff.duration("max", false);
    Double randomFactor = backoff.number("random-factor", 0, 1, "a number from 0 to 1");
    if (min != null && max != null && min.compareTo(max) > 0) {
      String found =
          "min > max (min = " + Reader.plainText(backoff.raw("min")) + ", max = " + Reader.plainText(backoff.raw("max"));
      restart.problem("backoff", found + ")", "min <= max");
      return null;
    }
    return anyNull(min, max, randomFactor) ? null : new BackoffSpec(min, max, randomFactor);
  }

  /** {@code stay} is an empty Optional, {@code retry-after 5m} holds 5m; null when invalid. */
  private static Optional<Duration> onGiveUp(Reader restart) {
    ConfigValue value = restart.raw("on-give-up");
    if (value != null && value.valueType() == ConfigValueType.STRING) {
      String text = ((String) value.unwrapped()).trim();
      if (text.equals(STAY)) {
        return Optional.empty();
      }
      String[] words = text.split("\\s+", 2);
      if (words.length == 2 && words[0].equals(RETRY_AFTER)) {
        try {
          Duration d =
              ConfigFactory.empty()
                  .withValue("d", ConfigValueFactory.fromAnyRef(words[1]))
                  .getDuration("d");
          if (!d.isNegative() && !d.isZero() && Reader.schedulable(d)) {
            return Optional.of(d);
          }
        } catch (com.typesafe.config.ConfigException | ArithmeticException e) {
          // reported below
        }
      }
    }
    restart.problem("on-give-up", Reader.describe(value), ON_GIVE_UP);
    return null;
  }

  static StopSpec stop(Reader stop) {
    if (stop == null) {
      return null;
    }
    Duration drainTimeout = stop.duration("drain-timeout", true);
    Signal signal =
        stop.choice(
            "signal",
            Signal.class,
            s -> {
              String upper = s.toUpperCase(Locale.ROOT);
              return upper.startsWith("SIG") ? upper.substring(3) : upper;
            },
            Signal::name);
    Duration timeout = stop.duration("timeout", false);
    Duration tunnelGrace = stop.duration("tunnel-grace", true);
    return anyNull(signal, timeout, drainTimeout, tunnelGrace)
        ? null
        : new StopSpec(signal, timeout, drainTimeout, tunnelGrace);
  }
}
