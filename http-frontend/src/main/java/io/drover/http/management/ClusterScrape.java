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

  /** One node's metrics text. */
  public record Scraped(String node, String text) implements CrossNode {}

  private ClusterScrape() {}

  /** The responder of this node: answers with what {@code local} scrapes. */
  static Behavior<Scrape> responder(Supplier<CompletionStage<String>> local) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      String node = ctx.getSystem().address().toString();
      return Behaviors.receiveMessage(m -> {
        local.get().whenComplete((text, e) -> m.replyTo().tell(new Scraped(node, text == null ? "" : text)));
        return Behaviors.same();
      });
    });
  }

  /** Asks every node's responder and merges what comes within {@link #ANSWER}. */
  static CompletionStage<String> scrape(ActorSystem<?> system) {
    CompletionStage<Receptionist.Listing> listing =
        AskPattern.ask(system.receptionist(), r -> Receptionist.find(KEY, r), ANSWER, system.scheduler());
    return listing.thenCompose(l -> {
      List<ActorRef<Scrape>> nodes = new ArrayList<>(l.getServiceInstances(KEY));
      List<CompletableFuture<Scraped>> answers = new ArrayList<>();
      for (ActorRef<Scrape> node : nodes) {
        String address = node.path().address().hasGlobalScope() ? node.path().address().toString() : system.address().toString();
        answers.add(AskPattern.<Scrape, Scraped>ask(node, Scrape::new, ANSWER, system.scheduler())
            .exceptionally(e -> new Scraped(address, null))
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
  static String merge(List<Scraped> scraped) {
    Map<String, Family> families = new LinkedHashMap<>();
    for (Scraped s : scraped) {
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
        if (current == null || !line.startsWith(current.name)) {
          current = families.computeIfAbsent(sampleName(line), Family::new); // a sample with no TYPE line
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
    for (Scraped s : scraped) {
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
