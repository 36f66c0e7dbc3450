package io.drover.supervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PortTokenTest {
  @Test
  void portTokensBecomeTheWorkersPortAndDoubleDollarALiteralDollar() {
    assertEquals(
        List.of("python3", "-m", "http.server", "8123", "127.0.0.1:8123", "--port=8123", "$PORTS", "cost: $5", "$PORT", "^a$"),
        PortToken.substitute(
            List.of("python3", "-m", "http.server", "$PORT", "127.0.0.1:${PORT}", "--port=$PORT", "$PORTS", "cost: $5", "$$PORT", "^a$"),
            8123));
  }
}
