package io.drover.http.management;

import io.drover.supervisor.CrossNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * {@code GET /metrics?scope=cluster}: every node's Prometheus text in one, each sample labelled
 * with the node it came from, as a Prometheus federation endpoint would give it. Each node runs
 * a responder listed with the (cluster-wide) receptionist; a scrape asks every listed responder
 * and merges the answers family by family (a family's samples must follow its one TYPE line).
 * A node that does not answer within {@link #ANSWER} is reported as
 * {@code drover_cluster_scrape_success{node} 0}.
 */
final class ClusterScrape {
  static final ServiceKey<Scrape> KEY = ServiceKey.create(Scrape.class, "drover-metrics");
  static final Duration ANSWER = Duration.ofSeconds(2);

  /** Asks a node for its metrics text. */
  public record Scrape(ActorRef<Scraped> replyTo) implements CrossNode {}

  /** One node's metrics text, gzipped (a few hundred workers' text would pass remoting's frame size). */
  public record Scraped(String node, byte[] gzipped) implements CrossNode {}

  /** One node's metrics text, or null when the node did not answer. */
  record NodeText(String node, String text) {}

  /** Suffixes of a family's samples besides its own name (histograms, summaries, counters, info). */
  private static final List<String> SUFFIXES = List.of("_bucket", "_sum", "_count", "_total", "_created", "_info", "_gsum", "_gcount");

  private ClusterScrape() {}

  /** Stops a responder (its API stopped). */
  enum Stop {
    INSTANCE
  }

  /** The responder of this node: answers with what {@code local} scrapes, until {@link Stop}. */
  static Behavior<Scrape> responder(Supplier<CompletionStage<String>> local) {
    return Behaviors.<Object>setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf().narrow()));
      String node = ctx.getSystem().address().toString();
      return Behaviors.receive(Object.class)
          .onMessage(Scrape.class, m -> {
            local.get().whenComplete((text, e) -> m.replyTo().tell(new Scraped(node, gzip(text == null ? "" : text))));
            return Behaviors.same();
          })
          .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
          .build();
    }).narrow();
  }

  /** Asks every node's responder and merges what comes within {@link #ANSWER}. */
  static CompletionStage<String> scrape(ActorSystem<?> system) {
    CompletionStage<Receptionist.Listing> listing =
        AskPattern.ask(system.receptionist(), r -> Receptionist.find(KEY, r), ANSWER, system.scheduler());
    return listing.thenCompose(l -> {
      List<ActorRef<Scrape>> nodes = new ArrayList<>(l.getServiceInstances(KEY));
      List<CompletableFuture<NodeText>> answers = new ArrayList<>();
      for (ActorRef<Scrape> node : nodes) {
        String address = node.path().address().hasGlobalScope() ? node.path().address().toString() : system.address().toString();
        answers.add(AskPattern.<Scrape, Scraped>ask(node, Scrape::new, ANSWER, system.scheduler())
            .thenApply(s -> new NodeText(s.node(), gunzip(s.gzipped())))
            .exceptionally(e -> new NodeText(address, null))
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
          .thenApply(v -> merge(answers.stream().map(CompletableFuture::join).toList()));
    });
  }

  /**
   * One Prometheus text from each node's ({@code text} null: the node did not answer): families
   * in the order first seen, each with its HELP and TYPE once and every node's samples with a
   * {@code node} label, then {@code drover_cluster_scrape_success} per node.
   */
  static String merge(List<NodeText> scraped) {
    Map<String, Family> families = new LinkedHashMap<>();
    for (NodeText s : scraped) {
      if (s.text() == null) {
        continue;
      }
      Family current = null;
      for (String line : s.text().split("\n")) {
        if (line.isBlank() || line.startsWith("# EOF")) {
          continue;
        }
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
          String name = word(line, 2);
          current = families.computeIfAbsent(name, Family::new);
          if (line.startsWith("# HELP ") && current.help == null) {
            current.help = line;
          } else if (line.startsWith("# TYPE ") && current.type == null) {
            current.type = line;
          }
          continue;
        }
        if (line.startsWith("#")) {
          continue;
        }
        String name = sampleName(line);
        if (current == null || !belongs(name, current.name)) {
          current = familyOf(families, name); // a sample with no TYPE line just before it
        }
        current.samples.add(labelled(line, s.node()));
      }
    }
    StringBuilder out = new StringBuilder();
    for (Family f : families.values()) {
      if (f.help != null) {
        out.append(f.help).append('\n');
      }
      if (f.type != null) {
        out.append(f.type).append('\n');
      }
      f.samples.forEach(sample -> out.append(sample).append('\n'));
    }
    out.append("# HELP drover_cluster_scrape_success Whether the node answered this cluster-wide scrape (1) or not (0).\n");
    out.append("# TYPE drover_cluster_scrape_success gauge\n");
    for (NodeText s : scraped) {
      out.append("drover_cluster_scrape_success{node=\"").append(escape(s.node())).append("\"} ")
          .append(s.text() == null ? "0" : "1").append('\n');
    }
    return out.toString();
  }

  /** The sample with {@code node="..."} as its first label. */
  static String labelled(String sample, String node) {
    String label = "node=\"" + escape(node) + "\"";
    int brace = sample.indexOf('{');
    int space = sample.indexOf(' ');
    if (brace >= 0 && (space < 0 || brace < space)) {
      boolean empty = sample.charAt(brace + 1) == '}';
      return sample.substring(0, brace + 1) + label + (empty ? "" : ",") + sample.substring(brace + 1);
    }
    return space < 0 ? sample : sample.substring(0, space) + "{" + label + "}" + sample.substring(space);
  }

  /** Whether a sample named {@code name} is one of family {@code family}'s. */
  static boolean belongs(String name, String family) {
    return name.equals(family) || (name.startsWith(family) && SUFFIXES.contains(name.substring(family.length())));
  }

  /** The family a sample belongs to: by its name, else by its name less a suffix, else a new one. */
  private static Family familyOf(Map<String, Family> families, String name) {
    Family f = families.get(name);
    if (f != null) {
      return f;
    }
    for (String suffix : SUFFIXES) {
      if (name.endsWith(suffix) && families.containsKey(name.substring(0, name.length() - suffix.length()))) {
        return families.get(name.substring(0, name.length() - suffix.length()));
      }
    }
    return families.computeIfAbsent(name, Family::new);
  }

  static byte[] gzip(String text) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
      gz.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static String gunzip(byte[] gzipped) {
    try (java.util.zip.GZIPInputStream gz = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
      return new String(gz.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String sampleName(String sample) {
    int end = 0;
    while (end < sample.length() && sample.charAt(end) != '{' && sample.charAt(end) != ' ') {
      end++;
    }
    return sample.substring(0, end);
  }

  private static String word(String line, int index) {
    String[] words = line.split(" ", index + 2);
    return words.length > index ? words[index] : "";
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /** A metric family: its HELP and TYPE lines and every node's samples. */
  private static final class Family {
    final String name;
    String help;
    String type;
    final List<String> samples = new ArrayList<>();

    Family(String name) {
      this.name = name;
    }
  }
}
