package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code drover.management}: where the API may listen, and in what clear. The refusals themselves
 * are fixtures of {@link InvalidConfigTest} (management-*.conf); these are the settings that load.
 */
class ManagementConfigTest {
  static final Path CERTS = InvalidConfigTest.DIR.resolve("tls").toAbsolutePath().normalize();
  static final String TOKEN = "0123456789abcdef0123";

  static ManagementSpec management(String text) {
    return ConfigLoader.parse(text, "management.conf", CERTS.getParent()).management();
  }

  @Test
  void theDefaultsListenOnLoopbackOverPlainHttp() {
    ManagementSpec spec = management("");
    assertTrue(spec.enabled());
    assertEquals("127.0.0.1", spec.iface());
    assertTrue(spec.loopbackOnly());
    assertEquals(Optional.empty(), spec.tls());
    assertFalse(spec.allowPlaintext());
    assertEquals("http", spec.scheme());
  }

  @Test
  void beyondLoopbackOverTlsWithATokenLoads() {
    ManagementSpec spec = management("drover.management { interface = \"0.0.0.0\", token = \"" + TOKEN + "\"\n"
        + " tls { enabled = on, cert = \"tls/good.pem\", key = \"tls/good.key\", reload-interval = 1s } }");
    assertEquals(Optional.of(new ManagementSpec.Tls(
        new TlsSpec.Pair(CERTS.resolve("good.pem"), CERTS.resolve("good.key")), Duration.ofSeconds(1))), spec.tls());
    assertEquals("https", spec.scheme());
  }

  @Test
  void theFrontsPairIsReusedBySubstitution() {
    ManagementSpec spec = management("drover.http.tls { enabled = on, port = 0, cert = \"tls/good.pem\", key = \"tls/good.key\" }\n"
        + "drover.management.tls { enabled = on, cert = ${drover.http.tls.cert}, key = ${drover.http.tls.key} }");
    assertEquals(new TlsSpec.Pair(CERTS.resolve("good.pem"), CERTS.resolve("good.key")), spec.tls().orElseThrow().pair());
  }

  @Test
  void plainHttpBeyondLoopbackLoadsOnlyWhenAllowed() {
    String beyond = "drover.management { interface = \"10.0.0.5\", token = \"" + TOKEN + "\" }\n";
    ConfigException e = assertThrows(ConfigException.class, () -> management(beyond));
    assertTrue(e.getMessage().contains("the bearer token would cross the network in clear text"), e.getMessage());
    ManagementSpec spec = management(beyond + "drover.management.allow-plaintext = on");
    assertTrue(spec.allowPlaintext());
    assertEquals(Optional.empty(), spec.tls());
  }

  @Test
  void loopbackNamesNeedNeitherTlsNorToken() {
    for (String iface : new String[] {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
      assertTrue(management("drover.management.interface = \"" + iface + "\"").loopbackOnly(), iface);
    }
  }

  @Test
  void aBadPairIsNotReadWhileTheApiIsOffOrTlsIsOff() {
    String missing = "cert = \"tls/missing.pem\", key = \"tls/missing.key\"";
    assertFalse(management("drover.management { enabled = off, tls { enabled = on, " + missing + " } }").enabled());
    assertEquals(Optional.empty(), management("drover.management.tls { enabled = off, " + missing + " }").tls());
  }
}
