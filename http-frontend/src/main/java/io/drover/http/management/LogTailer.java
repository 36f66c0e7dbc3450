package io.drover.http.management;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a worker's log file: its last lines, then (when followed) what is appended, across
 * rotations (a file that shrank or was replaced is read again from its start).
 */
final class LogTailer {
  private static final int MAX_LINE = 64 * 1024;

  private final Path file;
  private long position;
  private Object fileKey;
  private final StringBuilder partial = new StringBuilder();

  LogTailer(Path file) {
    this.file = file;
  }

  /** The last {@code n} complete lines; afterwards {@link #poll()} returns what follows them. */
  List<String> last(int n) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long size = raf.length();
      long start = size;
      int newlines = 0;
      byte[] buf = new byte[8192];
      while (start > 0 && newlines <= n) {
        int len = (int) Math.min(buf.length, start);
        start -= len;
        raf.seek(start);
        raf.readFully(buf, 0, len);
        for (int i = len - 1; i >= 0; i--) {
          if (buf[i] == '\n' && ++newlines > n) {
            start += i + 1;
            break;
          }
        }
      }
      raf.seek(start);
      byte[] tail = new byte[(int) Math.min(Integer.MAX_VALUE, size - start)];
      raf.readFully(tail);
      position = size;
      fileKey = key();
      List<String> lines = split(new String(tail, StandardCharsets.UTF_8));
      return lines.size() > n ? lines.subList(lines.size() - n, lines.size()) : lines;
    }
  }

  /** Complete lines appended since the last call. */
  List<String> poll() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    Object key = key();
    long size = Files.size(file);
    if (size < position || (fileKey != null && !fileKey.equals(key))) {
      position = 0; // rotated
    }
    fileKey = key;
    if (size == position) {
      return List.of();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.seek(position);
      byte[] bytes = new byte[(int) Math.min(size - position, 1 << 20)];
      raf.readFully(bytes);
      position += bytes.length;
      return split(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private Object key() throws IOException {
    return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
  }

  private List<String> split(String text) {
    List<String> lines = new ArrayList<>();
    partial.append(text);
    int start = 0;
    for (int i = 0; i < partial.length(); i++) {
      if (partial.charAt(i) == '\n') {
        lines.add(partial.substring(start, i));
        start = i + 1;
      }
    }
    partial.delete(0, start);
    if (partial.length() > MAX_LINE) {
      lines.add(partial.toString());
      partial.setLength(0);
    }
    return lines;
  }
}
