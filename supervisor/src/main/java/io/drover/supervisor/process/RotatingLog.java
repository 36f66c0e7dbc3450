package io.drover.supervisor.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * One stream's log file, rotated by size: {@code web-0.out} is renamed {@code web-0.out.1} (and
 * older ones shifted up to {@code keep}) when it would grow past {@code maxSize}, so the files of
 * a stream never hold more than {@code maxSize × (keep + 1)} bytes. A file ends at a line's end
 * when one fits; a line longer than {@code maxSize} is cut. Every failure is thrown to the caller,
 * which decides what to do with the output; the next write opens the file again.
 */
final class RotatingLog {
  private final Path file;
  private final long maxSize;
  private final int keep;
  private OutputStream out;
  /** The identity (device and inode) of the open file, to notice it was moved or removed. */
  private Object fileKey;
  private long size;
  private long written;

  RotatingLog(Path file, long maxSize, int keep) {
    this.file = file;
    this.maxSize = maxSize;
    this.keep = keep;
  }

  Path file() {
    return file;
  }

  /** Bytes written since this log was made, over all its files. */
  long written() {
    return written;
  }

  /** Opens the file (creating it and its directory) for appending; closes the one open before. */
  void open() throws IOException {
    close();
    Files.createDirectories(file.getParent());
    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    fileKey = attributes.fileKey();
    size = attributes.size();
  }

  /**
   * Opens the file again when the one open is no longer at its path (moved, removed, its
   * directory gone) and says whether it did; otherwise writes would go to a file nobody sees.
   */
  boolean reopenIfMoved() throws IOException {
    if (out == null) {
      return false;
    }
    try {
      if (Objects.equals(fileKey, Files.readAttributes(file, BasicFileAttributes.class).fileKey())) {
        return false;
      }
    } catch (IOException gone) {
      // nothing readable at the path: open a new file there
    }
    open();
    return true;
  }

  /** Appends {@code len} bytes, rotating as often as they need; opens the file first if closed. */
  void write(byte[] buf, int off, int len) throws IOException {
    if (out == null) {
      open();
    }
    while (size + len > maxSize) {
      int room = (int) Math.max(0, maxSize - size);
      int cut = lastNewline(buf, off, off + room);
      int take = cut >= 0 ? cut + 1 - off : size == 0 ? room : 0;
      append(buf, off, take);
      off += take;
      len -= take;
      rotate();
    }
    append(buf, off, len);
  }

  private static int lastNewline(byte[] buf, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void append(byte[] buf, int off, int len) throws IOException {
    if (len > 0) {
      out.write(buf, off, len);
      size += len;
      written += len;
    }
  }

  /** Shifts the numbered files up by one, dropping the oldest, and starts an empty file. */
  private void rotate() throws IOException {
    close();
    if (keep == 0) {
      Files.deleteIfExists(file);
    } else {
      int top = 1; // the first free number, or keep when all are taken
      while (top < keep && Files.exists(numbered(top))) {
        top++;
      }
      Files.deleteIfExists(numbered(top));
      for (int i = top - 1; i >= 1; i--) {
        Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }
    open();
  }

  private Path numbered(int i) {
    return file.resolveSibling(file.getFileName() + "." + i);
  }

  /** Closes the file; a failure to close loses nothing more than the failed write before it. */
  void close() {
    if (out == null) {
      return;
    }
    try {
      out.close();
    } catch (IOException ignored) {
      // the next open starts over
    } finally {
      out = null;
    }
  }
}
