package io.drover.http.management;

import static io.drover.http.management.Json.error;
import static io.drover.http.management.Json.obj;
import static io.drover.http.management.ManagementRoutes.response;
import static io.drover.http.management.Params.firstLine;
import static io.drover.http.management.Params.flag;

import io.drover.supervisor.config.ConfigException;
import io.drover.supervisor.config.ConfigProblem;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST|PUT /config[?dry-run][&origin=NAME][&base-dir=DIR]}: applies a config text through
 * the {@link ConfigApplier} and answers what changed, or 400 with every problem of an invalid one.
 */
final class ConfigRoute extends AllDirectives {
  private final ConfigApplier applier;

  ConfigRoute(ConfigApplier applier) {
    this.applier = applier;
  }

  Route apply() {
    return parameterOptional("dry-run", dry -> parameterOptional("origin", name -> parameterOptional("base-dir", dir ->
        entity(Unmarshaller.entityToString(), text -> {
      Optional<Boolean> flag = flag(dry.orElse(null));
      if (flag.isEmpty()) {
        return json(400, error("dry-run must be true or false", "field", "dry-run", "found", dry.get()));
      }
      if (name.isPresent() && !ConfigOrigin.validName(name.get())) {
        return json(400, error("origin must be a file name: 1 to " + ConfigOrigin.MAX_NAME
            + " printable characters", "field", "origin", "found", firstLine(name.get())));
      }
      Optional<Path> base = dir.flatMap(ConfigOrigin::baseDir);
      if (dir.isPresent() && base.isEmpty()) {
        return json(400, error("base-dir must be an absolute path of an existing directory on the node",
            "field", "base-dir", "found", firstLine(dir.get())));
      }
      boolean dryRun = flag.get();
      ConfigApplier.Origin origin = new ConfigApplier.Origin(name.orElse(null), base.orElse(null));
      CompletionStage<HttpResponse> answer = applier.apply(text, origin, dryRun)
          .thenApply(diff -> response(200, obj("dryRun", dryRun, "added", diff.added(), "removed", diff.removed(),
              "changed", diff.changed(), "scaled", diff.scaled(), "unchanged", diff.unchanged())))
          .exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ConfigException ce) {
              return response(400, error("invalid config",
                  "problems", ce.problems().stream().map(ConfigProblem::message).toList()));
            }
            throw e instanceof CompletionException ce2 ? ce2 : new CompletionException(e);
          });
      return completeWithFuture(answer);
    }))));
  }

  private Route json(int status, Object body) {
    return complete(response(status, body));
  }
}
