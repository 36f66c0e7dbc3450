package io.drover.node.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code --cacert FILE}: a TLS context trusting exactly the certificates of one PEM file (as curl's
 * --cacert does), for a node whose certificate is self-signed or signed by a private CA. The host
 * name is still checked against the certificate.
 */
final class CaCerts {
  /** The file cannot be used, and why, in a few words. */
  static final class Unusable extends Exception {
    private static final long serialVersionUID = 1L;

    Unusable(String message) {
      super(message, null, false, false);
    }
  }

  private CaCerts() {}

  static SSLContext trusting(Path file) throws Unusable {
    byte[] pem;
    try {
      if (Files.isDirectory(file)) {
        throw new Unusable(file + " is a directory (expected a PEM file of certificates)");
      }
      pem = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new Unusable(file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new Unusable(file + ": permission denied");
    } catch (IOException e) {
      throw new Unusable(file + ": " + e.getMessage());
    }
    Collection<? extends Certificate> certs;
    try {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
    } catch (CertificateException e) {
      throw new Unusable(file + " holds no readable certificate (expected PEM: BEGIN CERTIFICATE)");
    }
    if (certs.isEmpty()) {
      throw new Unusable(file + " holds no certificate (expected PEM: BEGIN CERTIFICATE)");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new Unusable(file + ": " + e.getMessage());
    }
  }
}
