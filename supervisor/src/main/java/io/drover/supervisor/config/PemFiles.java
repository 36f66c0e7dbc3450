package io.drover.supervisor.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TLS certificate chain and its private key read from PEM files (as certbot writes them:
 * {@code fullchain.pem}, {@code privkey.pem}), checked the way a TLS server would use them: the
 * files exist and hold PEM, the key is an unencrypted PKCS#8 key, the key belongs to the first
 * certificate, and that certificate is valid now. Config validation and the front's reload both
 * read through here, so a pair refused at start is refused the same way when it changes.
 *
 * @param chain the certificates, the server's own first
 * @param key its private key
 */
public record PemFiles(List<X509Certificate> chain, PrivateKey key) {
  public static final String CERT_EXPECTED = "a readable PEM file with the certificate chain (server certificate first)";
  public static final String KEY_EXPECTED = "a readable PEM file with an unencrypted PKCS#8 private key (BEGIN PRIVATE KEY)";

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  /** Which of the two files a problem is in: the config key it was named by. */
  public enum Part {
    CERT,
    KEY;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One thing wrong with the pair, in the config's terms: which file, what was found, what was expected. */
  public static final class Problem extends Exception {
    private final Part part;
    private final String found;
    private final String expected;

    Problem(Part part, String found, String expected) {
      super(part.key() + ": found " + found + ", expected " + expected);
      this.part = part;
      this.found = found;
      this.expected = expected;
    }

    public Part part() {
      return part;
    }

    public String found() {
      return found;
    }

    public String expected() {
      return expected;
    }
  }

  /** Reads and checks the pair at {@code now}. */
  public static PemFiles load(Path cert, Path key, Instant now) throws Problem {
    return load(cert, read(Part.CERT, cert, CERT_EXPECTED), key, read(Part.KEY, key, KEY_EXPECTED), now);
  }

  /** Checks a pair already read (the reload compares the bytes before parsing them). */
  public static PemFiles load(Path certPath, byte[] certPem, Path keyPath, byte[] keyPem, Instant now) throws Problem {
    List<X509Certificate> chain = certificates(certPath, certPem);
    PrivateKey key = privateKey(keyPath, keyPem, chain.get(0));
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new Problem(Part.CERT, Reader.quoteText(certPath.toString()) + " with a certificate ("
          + leaf.getSubjectX500Principal().getName() + ") that expired at " + leaf.getNotAfter().toInstant(),
          "a certificate valid now (renew it)");
    } catch (CertificateNotYetValidException e) {
      throw new Problem(Part.CERT, Reader.quoteText(certPath.toString()) + " with a certificate ("
          + leaf.getSubjectX500Principal().getName() + ") not valid before " + leaf.getNotBefore().toInstant(),
          "a certificate valid now (is the clock right?)");
    }
    return new PemFiles(List.copyOf(chain), key);
  }

  /** The file's bytes, or a problem naming why it cannot be read. */
  public static byte[] read(Part part, Path file, String expected) throws Problem {
    String name = Reader.quoteText(file.toString());
    try {
      if (Files.isDirectory(file)) {
        throw new Problem(part, name + " (a directory)", expected);
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new Problem(part, name + " (no such file)", expected);
    } catch (AccessDeniedException e) {
      throw new Problem(part, name + " (permission denied)", expected);
    } catch (IOException e) {
      throw new Problem(part, name + " (" + e.getMessage() + ")", expected);
    }
  }

  private static List<X509Certificate> certificates(Path path, byte[] pem) throws Problem {
    String name = Reader.quoteText(path.toString());
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(pem, "CERTIFICATE")) {
        chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new Problem(Part.CERT, name + " with an unreadable certificate (" + e.getMessage() + ")", CERT_EXPECTED);
    }
    if (chain.isEmpty()) {
      throw new Problem(Part.CERT, name + " without a PEM certificate (BEGIN CERTIFICATE)", CERT_EXPECTED);
    }
    return chain;
  }

  private static PrivateKey privateKey(Path path, byte[] pem, X509Certificate leaf) throws Problem {
    String name = Reader.quoteText(path.toString());
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
      throw new Problem(Part.KEY, name + " with an encrypted key", KEY_EXPECTED);
    }
    Matcher other = Pattern.compile("-----BEGIN ((RSA|EC|DSA) PRIVATE KEY)-----").matcher(text);
    if (other.find()) {
      throw new Problem(Part.KEY, name + " with a key in the older " + other.group(1) + " form",
          KEY_EXPECTED + "; convert it with openssl pkcs8 -topk8 -nocrypt");
    }
    List<byte[]> blocks;
    try {
      blocks = blocks(pem, "PRIVATE KEY");
    } catch (IllegalArgumentException e) {
      throw new Problem(Part.KEY, name + " with an unreadable key (" + e.getMessage() + ")", KEY_EXPECTED);
    }
    if (blocks.size() != 1) {
      throw new Problem(Part.KEY, name + " with " + (blocks.isEmpty() ? "no" : blocks.size()) + " PEM private keys", KEY_EXPECTED);
    }
    String algorithm = leaf.getPublicKey().getAlgorithm();
    PrivateKey key;
    try {
      key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
    } catch (GeneralSecurityException e) {
      String kind = "an unreadable key";
      for (String guess : List.of("RSA", "EC", "Ed25519", "Ed448")) {
        try {
          KeyFactory.getInstance(guess).generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
          kind = "an " + guess + " key";
          break;
        } catch (GeneralSecurityException notThis) {
          // try the next
        }
      }
      throw new Problem(Part.KEY, name + " with " + kind + " for a certificate with an " + algorithm + " key",
          "the private key of the certificate's public key");
    }
    if (!matches(key, leaf)) {
      throw new Problem(Part.KEY, name + " with a key that does not match the certificate ("
          + leaf.getSubjectX500Principal().getName() + ")", "the private key of the certificate's public key");
    }
    return key;
  }

  /** Whether the key signs what the certificate's public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate leaf) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "RSASSA-PSS" -> "RSASSA-PSS";
      default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA sign as themselves
    };
    byte[] probe = "drover tls key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
            java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      }
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        verifier.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
            java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      }
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The DER bytes of each PEM block of {@code type}. */
  private static List<byte[]> blocks(byte[] pem, String type) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    List<byte[]> ders = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        ders.add(Base64.getMimeDecoder().decode(m.group(2)));
      }
    }
    return ders;
  }
}
