package io.drover.supervisor.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation by size at its edges: chunks and lines larger than a file, no rotated files kept. */
class RotatingLogTest {
  @TempDir Path dir;

  static byte[] lines(int count, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String head = String.format("line %08d ", i);
      sb.append(head).append("x".repeat(length - head.length() - 1)).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The stream's files, oldest first, concatenated. */
  byte[] everything(Path file, int keep) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = keep; i >= 1; i--) {
      Path numbered = file.resolveSibling(file.getFileName() + "." + i);
      if (Files.exists(numbered)) {
        all.write(Files.readAllBytes(numbered));
      }
    }
    all.write(Files.readAllBytes(file));
    return all.toByteArray();
  }

  List<Path> files() throws IOException {
    try (var list = Files.list(dir)) {
      return list.sorted().toList();
    }
  }

  @Test
  void aChunkLargerThanMaxSizeIsSpreadOverFilesThatEndAtLineEnds() throws IOException {
    Path file = dir.resolve("web-0.out");
    RotatingLog log = new RotatingLog(file, 1000, 20);
    byte[] chunk = lines(128, 64); // 8 KiB, one read of the pump
    log.write(chunk, 0, chunk.length);
    log.close();
    assertArrayEquals(chunk, everything(file, 20), "nothing lost, nothing reordered");
    for (Path f : files()) {
      assertTrue(Files.size(f) <= 1000, f + " has " + Files.size(f) + " bytes");
      assertTrue(Files.readString(f).endsWith("\n"), f + " ends mid-line");
    }
    assertEquals(chunk.length, log.written());
  }

  @Test
  void aLineLongerThanMaxSizeIsCutAtMaxSize() throws IOException {
    Path file = dir.resolve("web-0.out");
    RotatingLog log = new RotatingLog(file, 100, 5);
    byte[] line = ("y".repeat(249) + "\n").getBytes(StandardCharsets.US_ASCII);
    log.write(line, 0, line.length);
    log.close();
    assertEquals(100, Files.size(file.resolveSibling("web-0.out.2")));
    assertEquals(100, Files.size(file.resolveSibling("web-0.out.1")));
    assertEquals(50, Files.size(file));
    assertArrayEquals(line, everything(file, 5));
  }

  @Test
  void keepZeroKeepsOnlyTheCurrentFile() throws IOException {
    Path file = dir.resolve("web-0.out");
    RotatingLog log = new RotatingLog(file, 1000, 0);
    byte[] chunk = lines(128, 64);
    for (int i = 0; i < 10; i++) {
      log.write(chunk, 0, chunk.length);
    }
    log.close();
    assertEquals(List.of(file), files());
    assertTrue(Files.size(file) <= 1000);
    assertTrue(Files.readString(file).endsWith("line 00000127 " + "x".repeat(49) + "\n"), "the newest lines are kept");
  }

  @Test
  void rotationKeepsAtMostKeepFilesOfAtMostMaxSize() throws IOException {
    Path file = dir.resolve("web-0.err");
    RotatingLog log = new RotatingLog(file, 4096, 3);
    byte[] chunk = lines(128, 64);
    for (int i = 0; i < 50; i++) {
      log.write(chunk, 0, chunk.length);
    }
    log.close();
    assertEquals(4, files().size(), "the file and 3 rotated ones: " + files());
    for (Path f : files()) {
      assertTrue(Files.size(f) <= 4096, f + " has " + Files.size(f) + " bytes");
    }
    assertFalse(Files.exists(file.resolveSibling("web-0.err.4")));
  }

  @Test
  void aFileMovedAwayIsReopenedAtItsPath() throws IOException {
    Path file = dir.resolve("web-0.out");
    RotatingLog log = new RotatingLog(file, 1 << 20, 1);
    byte[] first = "first\n".getBytes(StandardCharsets.US_ASCII);
    byte[] second = "second\n".getBytes(StandardCharsets.US_ASCII);
    log.write(first, 0, first.length);
    assertFalse(log.reopenIfMoved(), "still in place");
    Files.move(file, dir.resolve("elsewhere"));
    assertTrue(log.reopenIfMoved());
    log.write(second, 0, second.length);
    log.close();
    assertEquals("first\n", Files.readString(dir.resolve("elsewhere")));
    assertEquals("second\n", Files.readString(file));
  }
}
