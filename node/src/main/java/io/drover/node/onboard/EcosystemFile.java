package io.drover.node.onboard;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a PM2 ecosystem file into JSON as PM2 would see it: a {@code .js}/{@code .cjs}/{@code
 * .mjs} file is evaluated by {@code node} (its {@code module.exports}, or an ES module's default
 * export), a {@code .json} file is read leniently (PM2 evaluates it as JavaScript, so comments,
 * single quotes and trailing commas pass), a {@code .yaml}/{@code .yml} file by SnakeYAML (safe
 * types only).
 */
final class EcosystemFile {
  static final JsonMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_SINGLE_QUOTES,
          JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES, JsonReadFeature.ALLOW_TRAILING_COMMA)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
  /** The longest a {@code node} evaluation of a file may take. */
  static final long NODE_TIMEOUT_S = 30;
  /**
   * Loads the file (CommonJS first, as PM2's require does; an ES module through import()) and
   * writes its export as JSON to the file named by the second argument.
   */
  private static final String EVALUATE = String.join("\n",
      "const path = require('path'), fs = require('fs'), url = require('url');",
      "const file = path.resolve(process.argv[1]);",
      "const fail = e => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); };",
      "// an ES module's namespace (require of ESM, or import()) stands for its default export",
      "const unwrap = m => m && m[Symbol.toStringTag] === 'Module' && m.default !== undefined ? m.default : m;",
      "let loaded;",
      "try { loaded = Promise.resolve(require(file)); } catch (e) {",
      "  loaded = e && e.code === 'ERR_REQUIRE_ESM' ? import(url.pathToFileURL(file).href) : Promise.reject(e);",
      "}",
      "loaded.then(m => fs.writeFileSync(process.argv[2], JSON.stringify(unwrap(m) === undefined ? null : unwrap(m))))",
      "  .catch(fail);");

  private EcosystemFile() {}

  /** Why a file could not be read, in one message naming the file. */
  static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message);
    }
  }

  static JsonNode read(Path file) throws Unreadable {
    if (!Files.isRegularFile(file)) {
      throw new Unreadable(file + ": no such file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".js") || name.endsWith(".cjs") || name.endsWith(".mjs")) {
        return evaluate(file);
      }
      if (name.endsWith(".json")) {
        return JSON.readTree(file.toFile());
      }
      if (name.endsWith(".yaml") || name.endsWith(".yml")) {
        Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file, StandardCharsets.UTF_8));
        return JSON.valueToTree(yaml);
      }
    } catch (NoSuchFileException e) {
      throw new Unreadable(file + ": no such file");
    } catch (IOException | YAMLException | IllegalArgumentException e) {
      throw new Unreadable(file + ": not a readable ecosystem file: " + oneLine(e.getMessage()));
    }
    throw new Unreadable(file + ": unknown kind of file; expected a PM2 ecosystem file ending in"
        + " .js, .cjs, .mjs, .json, .yaml or .yml");
  }

  private static JsonNode evaluate(Path file) throws Unreadable, IOException {
    Path out = Files.createTempFile("drover-import", ".json");
    Path errors = Files.createTempFile("drover-import", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder("node", "-e", EVALUATE, file.toAbsolutePath().toString(), out.toString())
          .directory(file.toAbsolutePath().getParent().toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD) // console.log in the file is not the config
          .redirectError(errors.toFile());
      Process node;
      try {
        node = pb.start();
      } catch (IOException e) {
        throw new Unreadable(file + ": a .js ecosystem file is evaluated by node (its module.exports, as PM2"
            + " does), and node could not be started: " + oneLine(e.getMessage()));
      }
      byte[] err;
      try {
        if (!node.waitFor(NODE_TIMEOUT_S, TimeUnit.SECONDS)) {
          node.destroyForcibly();
          throw new Unreadable(file + ": node did not finish evaluating it within " + NODE_TIMEOUT_S + " s");
        }
        err = Files.readAllBytes(errors);
      } catch (InterruptedException e) {
        node.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new Unreadable(file + ": interrupted while node evaluated it");
      }
      if (node.exitValue() != 0) {
        throw new Unreadable(file + ": node could not evaluate it (status " + node.exitValue() + "): "
            + firstLines(new String(err, StandardCharsets.UTF_8)));
      }
      return JSON.readTree(out.toFile());
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(errors);
    }
  }

  /** The first lines of node's error output (the throw site and message), indented. */
  private static String firstLines(String stderr) {
    List<String> lines = stderr.lines().filter(l -> !l.isBlank()).limit(6).toList();
    return lines.isEmpty() ? "no error output" : "\n    " + String.join("\n    ", lines);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
