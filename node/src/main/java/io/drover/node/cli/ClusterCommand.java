package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;

/** {@code drover cluster}: the node's cluster members, or why it is not clustered. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Show the members of the node's cluster, or why the node is not clustered.",
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
      return Exit.OK;
    }
    Set<String> columns = new LinkedHashSet<>();
    for (JsonNode m : members) {
      if (m.isObject()) {
        for (Map.Entry<String, JsonNode> f : m.properties()) {
          columns.add(f.getKey());
        }
      }
    }
    Cli.Table t = new Cli.Table();
    if (columns.isEmpty()) {
      t.row("member");
      members.forEach(m -> t.row(m.isValueNode() ? m.asText() : m.toString()));
    } else {
      t.row(columns.toArray(String[]::new));
      for (JsonNode m : members) {
        t.row(
            columns.stream()
                .map(c -> {
                  JsonNode v = m.path(c);
                  if (v.isMissingNode() || v.isNull()) {
                    return "-";
                  }
                  if (v.isArray()) {
                    List<String> items = new ArrayList<>();
                    v.forEach(i -> items.add(i.asText(i.toString())));
                    return items.isEmpty() ? "-" : String.join(",", items);
                  }
                  return v.isValueNode() ? v.asText() : v.toString();
                })
                .toArray(String[]::new));
      }
    }
    t.print(out());
    return Exit.OK;
  }
}
