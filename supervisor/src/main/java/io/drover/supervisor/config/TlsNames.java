package io.drover.supervisor.config;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Whether the front's certificates name the hosts its apps' routes match. A route host that the
 * certificate picked for it (its {@code tls.hosts} entry by SNI, else {@code tls.cert}) does not
 * name still gets that certificate, as nginx serves its default one, and every HTTPS client refuses
 * it; nothing in the config is wrong as such (a proxy in front may terminate TLS for that host),
 * so the node says so at start instead of refusing.
 */
public final class TlsNames {
  private TlsNames() {}

  /**
   * One line per app whose {@code route.host} the certificate it gets does not name, in the order
   * of {@code apps}; none when TLS is off or every host is named.
   */
  public static List<String> unnamedHosts(TlsSpec tls, Collection<AppSpec> apps, Instant now) {
    List<String> lines = new ArrayList<>();
    if (tls == null || !tls.enabled()) {
      return lines;
    }
    Map<TlsSpec.Pair, List<String>> named = new HashMap<>(); // each pair read once, however many apps it serves (one that fails to read is tried per app)
    for (AppSpec app : apps) {
      String host = app.route() == null ? "" : app.route().host();
      if (host.isEmpty()) {
        continue;
      }
      String key = pick(tls.hosts(), host);
      TlsSpec.Pair pair = key == null ? tls.pair() : tls.hosts().get(key);
      List<String> names = named.computeIfAbsent(pair, p -> {
        try {
          return names(PemFiles.load(p.cert(), p.key(), now).chain().get(0));
        } catch (PemFiles.Problem e) {
          return null; // refused at its own key already, or changed since: the reload says why
        }
      });
      if (names != null && names.stream().noneMatch(n -> covers(n, host))) {
        String from = key == null ? "drover.http.tls.cert" : "drover.http.tls.hosts.\"" + key + "\".cert";
        lines.add("app " + app.name() + "'s route.host \"" + host + "\" gets the certificate of " + from + " ("
            + pair.cert() + "), which names " + (names.isEmpty() ? "no host" : String.join(", ", names))
            + ": HTTPS clients will refuse it (add a tls.hosts entry for it, or the name to the certificate)");
      }
    }
    return lines;
  }

  /** The {@code tls.hosts} key SNI picks for {@code host}: the name itself, else the {@code *.parent} that covers it; null for the default pair. */
  static String pick(Map<String, TlsSpec.Pair> hosts, String host) {
    String wildcard = null;
    for (String key : hosts.keySet()) {
      if (key.equalsIgnoreCase(host)) {
        return key;
      }
      if (key.startsWith("*.") && covers(key, host)) {
        wildcard = key;
      }
    }
    return wildcard;
  }

  /** The names a certificate is for: its DNS and IP subject alternative names, else (none given) its CN. */
  static List<String> names(X509Certificate c) {
    TreeSet<String> names = new TreeSet<>();
    try {
      if (c.getSubjectAlternativeNames() != null) {
        for (List<?> san : c.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          if (type == 2 || type == 7) { // dNSName, iPAddress
            names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no names from the extension: the CN below
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(String.valueOf(rdn.getValue()).toLowerCase(Locale.ROOT));
          }
        }
      } catch (InvalidNameException e) {
        // no CN either
      }
    }
    return List.copyOf(names);
  }

  /** Whether a certificate's name covers {@code host}: equal ignoring case, or {@code *.parent} for one label before the parent. */
  static boolean covers(String name, String host) {
    String n = name.toLowerCase(Locale.ROOT);
    String h = host.toLowerCase(Locale.ROOT);
    if (n.equals(h)) {
      return true;
    }
    int dot = h.indexOf('.');
    return n.startsWith("*.") && dot > 0 && n.substring(1).equals(h.substring(dot));
  }
}
