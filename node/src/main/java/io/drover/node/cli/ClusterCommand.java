package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;

/**
 * {@code drover cluster}: the node's cluster members with the slots each runs, then one line per
 * cluster-placed app; or why the node is not clustered.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
      "Show the node's cluster: its members and which slots run where, or why the node is not clustered.",
      "One row per member: address, status, roles, whether it is reachable, and the slots of cluster-placed"
          + " apps it runs (web:0,3 is slots 0 and 3 of app web). Then one line per cluster-placed app:"
          + " its slots ready of those declared, and its unplaced slots (no member reports running them) with why."
          + " A slot on a node that does not answer within seconds shows as unplaced with that reason;"
          + " an app that does not answer in time shows as unknown. --json prints the API's answer as is."
    },
    footer = Exit.FOOTER)
public final class ClusterCommand extends ApiCommand {
  @Override
  int run(ApiClient client) throws ApiClient.Failure, InterruptedException {
    ApiClient.Response r = client.get("/cluster");
    if (api.json) {
      printRaw(r.body());
      return Exit.OK;
    }
    JsonNode json = r.json();
    String detail = Cli.oneLine(json.path("detail").asText(""), 300);
    List<JsonNode> members = new ArrayList<>();
    json.path("members").forEach(members::add);
    if (!json.path("clustered").asBoolean(false)) {
      out().println("not clustered" + (detail.isEmpty() ? "" : ": " + detail));
    } else if (!detail.isEmpty()) {
      out().println(detail);
    }
    if (members.isEmpty()) {
      if (json.path("clustered").asBoolean(false)) {
        out().println("no members");
      }
    } else {
      membersTable(members).print(out());
    }
    List<String> apps = appLines(json.path("apps"));
    if (!apps.isEmpty()) {
      out().println();
      apps.forEach(out()::println);
    }
    return Exit.OK;
  }

  /** One row per member, a column per field any member has (slots last). */
  private static Cli.Table membersTable(List<JsonNode> members) {
    Set<String> columns = new LinkedHashSet<>();
    for (JsonNode m : members) {
      if (m.isObject()) {
        for (Map.Entry<String, JsonNode> f : m.properties()) {
          columns.add(f.getKey());
        }
      }
    }
    if (columns.remove("slots")) {
      columns.add("slots");
    }
    Cli.Table t = new Cli.Table();
    if (columns.isEmpty()) {
      t.row("member");
      members.forEach(m -> t.row(m.isValueNode() ? m.asText() : m.toString()));
      return t;
    }
    t.row(columns.toArray(String[]::new));
    for (JsonNode m : members) {
      t.row(columns.stream().map(c -> cell(m.path(c))).toArray(String[]::new));
    }
    return t;
  }

  /** A value as one cell: arrays as a,b; objects (a member's slots) as key:a,b key2:c; "-" for none. */
  private static String cell(JsonNode v) {
    if (v.isMissingNode() || v.isNull()) {
      return "-";
    }
    if (v.isArray()) {
      return v.isEmpty() ? "-" : list(v);
    }
    if (v.isObject()) {
      List<String> parts = new ArrayList<>();
      for (Map.Entry<String, JsonNode> f : v.properties()) {
        parts.add(f.getKey() + ":" + (f.getValue().isArray() ? list(f.getValue()) : f.getValue().asText(f.getValue().toString())));
      }
      return parts.isEmpty() ? "-" : String.join(" ", parts);
    }
    return v.asText();
  }

  private static String list(JsonNode array) {
    List<String> items = new ArrayList<>();
    array.forEach(i -> items.add(i.isValueNode() ? i.asText() : i.toString()));
    return String.join(",", items);
  }

  /**
   * "web: 4/6 slots ready, unplaced: 4 (why), 5 (why)" per cluster-placed app; "web: ?/6 slots
   * ready (unknown: why)" for one whose slots are not known.
   */
  private static List<String> appLines(JsonNode apps) {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : apps.properties()) {
      JsonNode a = e.getValue();
      String declared = a.path("declared").asText("?");
      if (!a.path("known").asBoolean(false)) {
        lines.add(Cli.oneLine(e.getKey() + ": ?/" + declared + " slots ready (unknown: " + a.path("detail").asText("no answer") + ")", 300));
        continue;
      }
      StringBuilder line = new StringBuilder(e.getKey() + ": " + a.path("ready").asText("?") + "/" + declared + " slots ready");
      List<String> unplaced = new ArrayList<>();
      for (JsonNode slot : a.path("unplaced")) {
        String why = a.path("why").path(slot.asText()).asText("");
        unplaced.add(slot.asText() + (why.isEmpty() ? "" : " (" + why + ")"));
      }
      if (!unplaced.isEmpty()) {
        line.append(", unplaced: ").append(String.join(", ", unplaced));
      }
      lines.add(Cli.oneLine(line.toString(), 300));
    }
    return lines;
  }
}
