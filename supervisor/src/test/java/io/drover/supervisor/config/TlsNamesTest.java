package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which apps' route hosts the front's certificates do not name, with certificates made by openssl. */
class TlsNamesTest {
  Path dir;

  @BeforeEach
  void dir() throws IOException {
    dir = Files.createTempDirectory("drover-tls-names-test");
  }

  @AfterEach
  void clean() throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Writes NAME.pem and NAME.key, EC P-256, for {@code cn}, with {@code san} (openssl's form) when not null. */
  void make(String name, String cn, String san) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".pem").toString(), "-days", "2",
        "-subj", "/CN=" + cn));
    if (san != null) {
      cmd.addAll(List.of("-addext", "subjectAltName=" + san));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
  }

  static String app(String name, String host) {
    return "drover.apps." + name + " { command = [\"node\", \"w.js\"], route.host = \"" + host + "\" }\n";
  }

  List<String> unnamed(String config) {
    DroverSettings s = ConfigLoader.parse(config, "test.conf", dir);
    return TlsNames.unnamedHosts(s.http().tls(), s.appList(), Instant.now());
  }

  @Test
  void aHostIsNamedByTheCertificateSniPicksForIt() throws Exception {
    make("main", "example.com", "DNS:example.com,DNS:*.example.com");
    make("api", "api.other.org", "DNS:api.other.org");
    make("wild", "x.wild.org", "DNS:*.wild.org");
    String tls = "drover.http.tls { enabled = on, port = 0, cert = \"main.pem\", key = \"main.key\"\n"
        + " hosts { \"api.other.org\" { cert = \"api.pem\", key = \"api.key\" }, \"*.wild.org\" { cert = \"wild.pem\", key = \"wild.key\" } } }\n";
    List<String> lines = unnamed(tls
        + app("shop", "Shop.Example.com") // the default's wildcard, whatever the case
        + app("bare", "example.com")
        + app("api", "api.other.org") // its own entry
        + app("w", "a.wild.org") // the wildcard entry
        + app("deep", "a.b.example.com") // *.example.com is one label only
        + app("web", "web.other.org") // falls to the default, which does not name it
        + "drover.apps.any { command = [\"node\", \"w.js\"], route.prefix = \"/\" }\n"); // no host: nothing to name
    assertEquals(2, lines.size(), String.join("\n", lines));
    assertEquals("app deep's route.host \"a.b.example.com\" gets the certificate of drover.http.tls.cert (" + dir.resolve("main.pem")
        + "), which names *.example.com, example.com: HTTPS clients will refuse it (add a tls.hosts entry for it, or the name"
        + " to the certificate)", lines.get(0));
    assertTrue(lines.get(1).startsWith("app web's route.host \"web.other.org\" gets the certificate of drover.http.tls.cert"), lines.get(1));
  }

  @Test
  void aCertificateWithoutAlternativeNamesNamesItsCommonName() throws Exception {
    make("old", "legacy.example", null);
    String tls = "drover.http.tls { enabled = on, port = 0, cert = \"old.pem\", key = \"old.key\" }\n";
    assertEquals(List.of(), unnamed(tls + app("legacy", "legacy.example")));
    List<String> lines = unnamed(tls + app("other", "other.example"));
    assertEquals(1, lines.size());
    assertTrue(lines.get(0).contains("which names legacy.example:"), lines.get(0));
  }

  @Test
  void withoutTlsNothingIsSaid() {
    assertEquals(List.of(), unnamed(app("shop", "shop.example.com")));
    assertFalse(TlsNames.covers("*.example.com", "example.com"));
    assertTrue(TlsNames.covers("127.0.0.1", "127.0.0.1"));
  }
}
