package io.drover.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Json.read builds the tree ObjectMapper.readTree builds, node classes included, and refuses what it refuses. */
class JsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void readBuildsTheTreeReadTreeBuilds() throws IOException {
    for (String text : List.of(
        "{\"apps\":[{\"name\":\"hello\",\"instances\":2,\"workers\":[{\"pid\":16341,\"cpuPercent\":0.5,\"detail\":null}]}]}",
        "{\"n\":2147483648,\"big\":123456789012345678901234567890,\"neg\":-7,\"f\":1e3,\"t\":true,\"x\":false}",
        "[1,[2,[]],{},\"s\\u00e9\\n\"]",
        "{\"a\":1,\"a\":2}",
        "\"text\"",
        "42",
        "null",
        "  {\"after\":1}  ")) {
      JsonNode expected = MAPPER.readTree(text);
      JsonNode actual = Json.read(text);
      assertEquals(expected, actual, text);
      assertEquals(MAPPER.writeValueAsString(expected), MAPPER.writeValueAsString(actual), text);
    }
  }

  @Test
  void emptyTextIsAMissingNodeAsForReadTree() throws IOException {
    assertTrue(MAPPER.readTree("").isMissingNode());
    assertTrue(Json.read("").isMissingNode());
    assertTrue(Json.read("   ").isMissingNode());
  }

  @Test
  void whatIsNotJsonIsRefused() {
    for (String text : List.of("{\"a\":1", "[1,2", "{\"a\"}", "<html>", "{a:1}", "[1,]")) {
      assertThrows(IOException.class, () -> MAPPER.readTree(text), text);
      assertThrows(IOException.class, () -> Json.read(text), text);
    }
  }
}
