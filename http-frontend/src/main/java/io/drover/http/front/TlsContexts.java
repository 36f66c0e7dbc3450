package io.drover.http.front;

import io.drover.supervisor.config.PemFiles;
import io.drover.supervisor.config.TlsSpec;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front's TLS certificates: one {@link SslContext} per configured pair, picked by the name a
 * client asks for (SNI), the default pair for any other name. TLS 1.2 and 1.3 only, AEAD ciphers
 * with forward secrecy (Netty's HTTP/2 list), ALPN offering h2 (when on) and http/1.1. OpenSSL
 * (BoringSSL, netty-tcnative) where it loads, else the JDK's provider.
 *
 * <p>Certbot renews in place, so the files are polled every {@code reload-interval} on a thread of
 * their own: when any file's bytes changed, every pair is read, checked ({@link PemFiles}, as at
 * start) and built off the event loops, then the whole mapping is swapped in one volatile write.
 * Connections already open keep the context they were made with; new ones get the new one. A bad
 * new pair (half-written, a key of another certificate, expired) is logged and the old mapping
 * kept; it is tried again when the files change again.
 */
final class TlsContexts implements Mapping<String, SslContext>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final TlsSpec spec;
  private final boolean h2;
  private final SslProvider provider;
  private final ScheduledExecutorService poller;
  private volatile Mapping<String, SslContext> current;
  /** The bytes of every file the current mapping (or the last refused change) was read from. */
  private Map<Path, byte[]> seen;
  private volatile long reloads;
  private volatile long refusals;

  private TlsContexts(TlsSpec spec, boolean h2, SslProvider provider) {
    this.spec = spec;
    this.h2 = h2;
    this.provider = provider;
    this.poller =
        spec.reloadInterval().isZero()
            ? null
            : Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "drover-tls-reload");
                t.setDaemon(true);
                return t;
              });
  }

  /** Builds the contexts from the files (checked once more: they may have changed since validation) and starts polling. */
  static TlsContexts start(TlsSpec spec, boolean h2) throws PemFiles.Problem, SSLException {
    SslProvider provider = OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
    if (provider == SslProvider.JDK) {
      log.info("front tls: OpenSSL unavailable ({}), using the JDK provider", String.valueOf(OpenSsl.unavailabilityCause()));
    }
    TlsContexts contexts = new TlsContexts(spec, h2, provider);
    Map<Path, byte[]> files = contexts.readAll();
    contexts.current = contexts.build(files);
    contexts.seen = files;
    if (contexts.poller != null) {
      long every = spec.reloadInterval().toMillis();
      contexts.poller.scheduleWithFixedDelay(contexts::check, every, every, TimeUnit.MILLISECONDS);
    }
    return contexts;
  }

  /** The provider in use, as a log line shows it. */
  String provider() {
    return provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK " + System.getProperty("java.version");
  }

  /** Successful reloads so far. */
  long reloads() {
    return reloads;
  }

  /** Changed files refused so far (unreadable, or a pair that does not check). */
  long refusals() {
    return refusals;
  }

  @Override
  public SslContext map(String host) {
    return current.map(host);
  }

  /** Reloads when a file changed; never throws (a failed poll would end the schedule). */
  void check() {
    try {
      Map<Path, byte[]> files;
      try {
        files = readAll();
      } catch (PemFiles.Problem p) {
        if (seen != null) {
          log.warn("front tls: certificates not reloaded, old ones kept: {}", p.getMessage());
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
        current = build(files);
        reloads++;
        log.info("front tls: certificates reloaded ({} pairs); new connections get them", spec.hosts().size() + 1);
      } catch (PemFiles.Problem | SSLException | RuntimeException e) {
        refusals++;
        log.warn("front tls: certificates not reloaded, old ones kept: {}", e.getMessage());
      }
    } catch (RuntimeException e) {
      log.warn("front tls: reload check failed: {}", e.toString());
    }
  }

  private Map<Path, byte[]> readAll() throws PemFiles.Problem {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (TlsSpec.Pair pair : pairs()) {
      files.put(pair.cert(), PemFiles.read(PemFiles.Part.CERT, pair.cert(), PemFiles.CERT_EXPECTED));
      files.put(pair.key(), PemFiles.read(PemFiles.Part.KEY, pair.key(), PemFiles.KEY_EXPECTED));
    }
    return files;
  }

  private List<TlsSpec.Pair> pairs() {
    List<TlsSpec.Pair> pairs = new ArrayList<>();
    pairs.add(spec.pair());
    pairs.addAll(spec.hosts().values());
    return pairs;
  }

  private Mapping<String, SslContext> build(Map<Path, byte[]> files) throws PemFiles.Problem, SSLException {
    Instant now = Instant.now();
    DomainWildcardMappingBuilder<SslContext> mapping =
        new DomainWildcardMappingBuilder<>(context(spec.pair(), files, now));
    for (Map.Entry<String, TlsSpec.Pair> host : spec.hosts().entrySet()) {
      mapping.add(host.getKey(), context(host.getValue(), files, now));
    }
    return mapping.build();
  }

  private SslContext context(TlsSpec.Pair pair, Map<Path, byte[]> files, Instant now) throws PemFiles.Problem, SSLException {
    PemFiles pem = PemFiles.load(pair.cert(), files.get(pair.cert()), pair.key(), files.get(pair.key()), now);
    List<String> alpn = h2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1) : List.of(ApplicationProtocolNames.HTTP_1_1);
    return SslContextBuilder.forServer(pem.key(), pem.chain().toArray(new java.security.cert.X509Certificate[0]))
        .sslProvider(provider)
        .protocols(PROTOCOLS)
        .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            alpn))
        .build();
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
