package io.drover.http.front;

import io.drover.http.PemReloader;
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
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front's TLS certificates: one {@link SslContext} per configured pair, picked by the name a
 * client asks for (SNI), the default pair for any other name. TLS 1.2 and 1.3 only, AEAD ciphers
 * with forward secrecy (Netty's HTTP/2 list), ALPN offering h2 (when on) and http/1.1. OpenSSL
 * (BoringSSL, netty-tcnative) where it loads, else the JDK's provider. With OpenSSL the contexts
 * and engines are reference counted ({@link SslProvider#OPENSSL_REFCNT}): Netty's other OpenSSL
 * flavour gives every connection's engine a finalizer, which costs the collector work per
 * handshake; each {@code SslHandler} releases its engine when the connection ends, and the
 * contexts are released here (see {@link #build}).
 *
 * <p>Certbot renews in place, so the files are polled ({@link PemReloader}): when any file's bytes
 * changed, every pair is read, checked ({@link PemFiles}, as at
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
  /** The mapping, rebuilt when the files change; set once at start. */
  private PemReloader<Built, SSLException> files;
  /** What the last successful build made (the mapping in use); guarded by this. */
  private Built latest;
  /** What the build before that made: replaced, released at the next successful build or at close. */
  private Built retired;

  /** One build: the mapping, and every context in it (to release). */
  private record Built(Mapping<String, SslContext> mapping, List<SslContext> contexts) {
    void release() {
      for (SslContext c : contexts) {
        ReferenceCountUtil.release(c); // a no-op for the JDK's contexts; engines still open hold their own reference
      }
    }
  }

  private TlsContexts(TlsSpec spec, boolean h2, SslProvider provider) {
    this.spec = spec;
    this.h2 = h2;
    this.provider = provider;
  }

  /** Builds the contexts from the files (checked once more: they may have changed since validation) and starts polling. */
  static TlsContexts start(TlsSpec spec, boolean h2) throws PemFiles.Problem, SSLException {
    SslProvider provider =
        OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL_REFCNT) ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK;
    if (provider == SslProvider.JDK) {
      log.info("front tls: OpenSSL unavailable ({}), using the JDK provider", String.valueOf(OpenSsl.unavailabilityCause()));
    }
    TlsContexts contexts = new TlsContexts(spec, h2, provider);
    contexts.files = PemReloader.start(contexts.pairs(), spec.reloadInterval(), "front tls: certificates", "drover-tls-reload",
        contexts::build);
    return contexts;
  }

  /** The provider in use, as a log line shows it. */
  String provider() {
    return provider == SslProvider.OPENSSL_REFCNT ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK " + System.getProperty("java.version");
  }

  /** Successful reloads so far. */
  long reloads() {
    return files.reloads();
  }

  /** Changed files refused so far (unreadable, or a pair that does not check). */
  long refusals() {
    return files.refusals();
  }

  @Override
  public SslContext map(String host) {
    return files.current().mapping().map(host);
  }

  private List<TlsSpec.Pair> pairs() {
    List<TlsSpec.Pair> pairs = new ArrayList<>();
    pairs.add(spec.pair());
    pairs.addAll(spec.hosts().values());
    return pairs;
  }

  /**
   * Builds every context from the files (at start, then on the reload thread). The mapping it
   * replaces may still be in an event loop's hands for a moment (read, not yet asked for an
   * engine), so it is released one successful reload later, not at once.
   */
  private Built build(Map<Path, byte[]> files) throws PemFiles.Problem, SSLException {
    Instant now = Instant.now();
    List<SslContext> made = new ArrayList<>();
    Built built;
    try {
      SslContext fallback = context(spec.pair(), files, now);
      made.add(fallback);
      DomainWildcardMappingBuilder<SslContext> mapping = new DomainWildcardMappingBuilder<>(fallback);
      for (Map.Entry<String, TlsSpec.Pair> host : spec.hosts().entrySet()) {
        SslContext c = context(host.getValue(), files, now);
        made.add(c);
        mapping.add(host.getKey(), c);
      }
      built = new Built(mapping.build(), List.copyOf(made));
    } catch (PemFiles.Problem | SSLException | RuntimeException e) {
      new Built(null, made).release();
      throw e;
    }
    synchronized (this) {
      if (retired != null) {
        retired.release();
      }
      retired = latest;
      latest = built;
    }
    return built;
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

  @Override
  public void close() {
    if (files != null) {
      files.close();
    }
    synchronized (this) {
      for (Built b : new Built[] {retired, latest}) {
        if (b != null) {
          b.release();
        }
      }
      retired = null;
      latest = null;
    }
  }
}
