package io.drover.examples.hash;

import io.drover.worker.BlockingWorker;
import io.drover.worker.Request;
import io.drover.worker.Response;
import io.drover.worker.WorkerContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.spec.KeySpec;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * An example actor worker doing CPU-heavy work per request: the kind of job a Node app hands to
 * {@code worker_threads} or spreads over a PM2 cluster, here run by Drover as plain Java on the
 * app's own thread pool, next to the front and the supervisor in one JVM.
 *
 * <h2>Requests</h2>
 *
 * <ul>
 *   <li>{@code GET /pbkdf2?password=...} — PBKDF2 with HMAC-SHA256 ({@code javax.crypto}, {@code
 *       PBKDF2WithHmacSHA256}) of the password (UTF-8, URL-decoded from the query; "" when absent)
 *       with the fixed salt {@value #SALT}, {@code iterations} iterations and a 32-byte key;
 *       answers the key as 64 lower-case hex digits and a newline.
 *   <li>{@code GET /sieve} — counts the primes ≤ {@code sieve-size} with a plain sieve of
 *       Eratosthenes over a {@code byte[]} allocated per request; answers the count and a newline.
 *   <li>{@code GET /health} — {@code ok}; anything else: 404.
 * </ul>
 *
 * <p>Only the path's last segment counts, so the worker answers alike with or without the
 * route's {@code strip-prefix}: {@code /pbkdf2} and {@code /hash/pbkdf2} are the same job.
 *
 * <h2>Config ({@code config { ... }} of the app, all optional)</h2>
 *
 * <ul>
 *   <li>{@code iterations} — PBKDF2 iterations, default {@value #DEFAULT_ITERATIONS} (about 8 ms
 *       on one core of the 2-core benchmark box; bench/app/cpu-*.js use the same number)
 *   <li>{@code sieve-size} — the sieve's upper bound, default {@value #DEFAULT_SIEVE_SIZE}
 * </ul>
 *
 * <h2>Running it</h2>
 *
 * <pre>{@code
 * mvn -B -q -DskipTests package                 # builds deploy/examples/hash/target/hash-worker.jar
 * ./drover run deploy/examples/hash.conf
 * curl '127.0.0.1:8080/hash/pbkdf2?password=secret'
 * curl 127.0.0.1:8080/hash/sieve                # 148933 for the default size
 * }</pre>
 *
 * <p>The same jobs written for Node, with the same algorithm, salt, digest, key length and sizes,
 * are {@code bench/app/cpu-threads.js} (a {@code worker_threads} pool) and {@code
 * bench/app/cpu-inline.js} (on the event loop); {@code bench/cpu.sh} compares them.
 *
 * <p>The worker keeps no state between requests, so one instance may take several requests at
 * once ({@code max-in-flight > 1}).
 */
public final class HashWorker implements BlockingWorker {

  /** The fixed PBKDF2 salt (its UTF-8 bytes), the same in the Node versions. */
  public static final String SALT = "drover-bench-salt";

  /** PBKDF2 iterations when the config does not say. */
  public static final int DEFAULT_ITERATIONS = 40000;

  /** Sieve bound when the config does not say. */
  public static final int DEFAULT_SIEVE_SIZE = 2_000_000;

  /** Derived key length in bytes. */
  public static final int KEY_BYTES = 32;

  private static final byte[] SALT_BYTES = SALT.getBytes(StandardCharsets.UTF_8);

  private int iterations = DEFAULT_ITERATIONS;
  private int sieveSize = DEFAULT_SIEVE_SIZE;

  @Override
  public void start(WorkerContext context) throws Exception {
    iterations = positiveInt(context.config(), "iterations", DEFAULT_ITERATIONS);
    sieveSize = positiveInt(context.config(), "sieve-size", DEFAULT_SIEVE_SIZE);
    SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256"); // fail the start now if it is missing
    context.log().info("hash worker " + context.instance() + ": pbkdf2 iterations " + iterations
        + ", sieve size " + sieveSize);
  }

  @Override
  public Response handleBlocking(Request request) throws Exception {
    if (!"GET".equals(request.method()) && !"HEAD".equals(request.method())) {
      return Response.text(405, "method not allowed\n").withHeader("allow", "GET, HEAD");
    }
    String path = request.path();
    String last = path.substring(path.lastIndexOf('/') + 1);
    switch (last) {
      case "pbkdf2":
        return Response.text(200, pbkdf2(queryParam(request.query(), "password"), iterations) + "\n");
      case "sieve":
        return Response.text(200, countPrimes(sieveSize) + "\n");
      case "health":
        return Response.text(200, "ok\n");
      default:
        return Response.text(404, "not found: try /pbkdf2?password=... or /sieve\n");
    }
  }

  /** PBKDF2-HMAC-SHA256 of {@code password} with the fixed salt, as hex. */
  public static String pbkdf2(String password, int iterations) throws Exception {
    KeySpec spec = new PBEKeySpec(password.toCharArray(), SALT_BYTES, iterations, KEY_BYTES * 8);
    // A factory per call: SecretKeyFactory is not thread-safe, and getting one is cheap next to the job.
    byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    return HexFormat.of().formatHex(key);
  }

  /**
   * The number of primes ≤ {@code n}: a sieve of Eratosthenes over a fresh {@code byte[n + 1]}
   * (1 = composite), crossing off from p² in steps of p for every p with p² ≤ n.
   */
  public static int countPrimes(int n) {
    if (n < 2) {
      return 0;
    }
    byte[] composite = new byte[n + 1];
    for (int p = 2; (long) p * p <= n; p++) {
      if (composite[p] == 0) {
        for (int m = p * p; m <= n; m += p) {
          composite[m] = 1;
        }
      }
    }
    int count = 0;
    for (int i = 2; i <= n; i++) {
      if (composite[i] == 0) {
        count++;
      }
    }
    return count;
  }

  /** The first value of {@code name} in a raw query string, URL-decoded; "" when absent. */
  static String queryParam(String query, String name) {
    if (query == null || query.isEmpty()) {
      return "";
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  private static int positiveInt(Map<String, Object> config, String key, int fallback) {
    Object v = config.get(key);
    if (v == null) {
      return fallback;
    }
    int n;
    if (v instanceof Number num) {
      n = num.intValue();
    } else {
      try {
        n = Integer.parseInt(v.toString().trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("config " + key + ": expected a positive integer, found \"" + v + "\"");
      }
    }
    if (n <= 0) {
      throw new IllegalArgumentException("config " + key + ": expected a positive integer, found " + v);
    }
    return n;
  }
}
