package io.drover.supervisor.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one stream of a worker (stdout or stderr) into a file, rotated by size: {@code
 * web-0.out} is renamed {@code web-0.out.1} (and older ones shifted up to {@code keep}) when it
 * would grow past {@code maxSize}. One daemon thread per stream drains the pipe so the worker
 * never blocks on a full pipe.
 */
final class RotatingLog {
  private static final Logger log = LoggerFactory.getLogger(RotatingLog.class);

  private final Path file;
  private final long maxSize;
  private final int keep;
  private OutputStream out;
  private long size;

  RotatingLog(Path file, long maxSize, int keep) {
    this.file = file;
    this.maxSize = maxSize;
    this.keep = keep;
  }

  /** Starts a daemon thread that copies {@code in} to the file until end of stream. */
  static void pump(InputStream in, Path file, long maxSize, int keep, String threadName) {
    RotatingLog sink = new RotatingLog(file, maxSize, keep);
    Thread t = new Thread(null, () -> sink.drain(in), threadName, 256 * 1024);
    t.setDaemon(true);
    t.start();
  }

  private void drain(InputStream in) {
    byte[] buf = new byte[8192];
    try (in) {
      open();
      for (int n = in.read(buf); n != -1; n = in.read(buf)) {
        write(buf, n);
      }
    } catch (IOException e) {
      log.debug("log pump for {} ended: {}", file, e.toString());
    } finally {
      closeQuietly();
    }
  }

  private void open() throws IOException {
    Files.createDirectories(file.getParent());
    out =
        Files.newOutputStream(
            file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    size = Files.size(file);
  }

  /** Writes a chunk, rotating first when it would not fit; a file ends at a line's end if it can. */
  private void write(byte[] buf, int n) throws IOException {
    int off = 0;
    if (size + n > maxSize) {
      int fits = (int) Math.max(0, Math.min(n, maxSize - size));
      int cut = lastNewline(buf, fits);
      if (cut >= 0) {
        append(buf, 0, cut + 1);
        off = cut + 1;
      }
      if (size > 0) {
        rotate();
      }
    }
    append(buf, off, n - off);
  }

  private static int lastNewline(byte[] buf, int limit) {
    for (int i = limit - 1; i >= 0; i--) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void append(byte[] buf, int off, int len) throws IOException {
    out.write(buf, off, len);
    out.flush();
    size += len;
  }

  private void rotate() throws IOException {
    out.close();
    if (keep == 0) {
      Files.deleteIfExists(file);
    } else {
      Files.deleteIfExists(numbered(keep));
      for (int i = keep - 1; i >= 1; i--) {
        if (Files.exists(numbered(i))) {
          Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }
    open();
  }

  private Path numbered(int i) {
    return file.resolveSibling(file.getFileName() + "." + i);
  }

  private void closeQuietly() {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException e) {
      log.debug("closing {}: {}", file, e.toString());
    }
  }
}
