package io.drover.http.management;

import io.drover.http.PemReloader;
import io.drover.supervisor.config.ManagementSpec;
import io.drover.supervisor.config.PemFiles;
import io.drover.supervisor.config.TlsSpec;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API's certificate as JDK {@link SSLContext}s, one engine per connection: TLS 1.2
 * and 1.3 only, AEAD ciphers with forward secrecy. The pair is read and checked through
 * {@link PemFiles}, as at config validation, and put in an in-memory key store.
 *
 * <p>The files are polled every {@code reload-interval} on a thread of their own: when their bytes
 * changed and the new pair checks, a new context replaces the old one in one volatile write, so
 * new connections get the new certificate and open ones keep theirs. A bad pair (half-written, a
 * key of another certificate, expired) is logged and the old context kept; it is tried again when
 * the files change again ({@link PemReloader}, as for the front's Netty contexts).
 */
final class ManagementTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManagementTls.class);
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  /** The in-memory key store's password: it never leaves this process, but PKCS12 wants one. */
  private static final char[] STORE_PASSWORD = "drover-management".toCharArray();

  private final PemReloader<SSLContext, GeneralSecurityException> files;

  private ManagementTls(PemReloader<SSLContext, GeneralSecurityException> files) {
    this.files = files;
  }

  /** Builds the context from the files (checked once more: they may have changed since validation) and starts polling. */
  static ManagementTls start(ManagementSpec.Tls spec) throws PemFiles.Problem, GeneralSecurityException {
    TlsSpec.Pair pair = spec.pair();
    return new ManagementTls(PemReloader.start(List.of(pair), spec.reloadInterval(), "management tls: certificate",
        "drover-management-tls-reload",
        files -> context(PemFiles.load(pair.cert(), files.get(pair.cert()), pair.key(), files.get(pair.key()), Instant.now()))));
  }

  /** A server engine of the current context, for one new connection. */
  SSLEngine engine() {
    SSLEngine engine = files.current().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setEnabledProtocols(PROTOCOLS);
    engine.setEnabledCipherSuites(Arrays.stream(engine.getEnabledCipherSuites())
        .filter(ManagementTls::aeadWithForwardSecrecy).toArray(String[]::new));
    return engine;
  }

  /** TLS 1.3's suites (all AEAD, all forward secret), and TLS 1.2's ECDHE ones with GCM or ChaCha20-Poly1305. */
  static boolean aeadWithForwardSecrecy(String suite) {
    String s = suite.toUpperCase(Locale.ROOT);
    boolean aead = s.contains("_GCM_") || s.contains("CHACHA20_POLY1305");
    return aead && (s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_") || s.startsWith("TLS_ECDHE_"));
  }

  long reloads() {
    return files.reloads();
  }

  long refusals() {
    return files.refusals();
  }

  /** A server context holding the pair in an in-memory key store. */
  static SSLContext context(PemFiles pem) throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
    store.setKeyEntry("management", pem.key(), STORE_PASSWORD, pem.chain().toArray(new X509Certificate[0]));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, STORE_PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  @Override
  public void close() {
    files.close();
  }
}
