package io.drover.node.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The terminal of {@code drover top}: the alternate screen, redrawn in place (cursor home, each
 * line cleared to its end, the rest cleared), and single keys read without echo ({@code stty
 * -icanon -echo}, as top does). {@link #close()} and Ctrl-C (a shutdown hook) put the terminal back
 * as it was: its stty settings, the cursor and the normal screen with its scrollback.
 */
final class TerminalScreen implements AutoCloseable {
  private static final String ENTER = "\033[?1049h\033[?25l";
  private static final String LEAVE = "\033[?25h\033[?1049l";

  private final PrintStream out;
  private final String saved; // stty -g before, null when the keyboard could not be set up
  private final BlockingQueue<Integer> keys = new LinkedBlockingQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread hook = new Thread(this::restore, "drover-top-restore");

  private TerminalScreen(PrintStream out, String saved) {
    this.out = out;
    this.saved = saved;
  }

  /** Takes the terminal over: the caller's stdout and stdin are one. */
  static TerminalScreen open() {
    String saved = stty("-g");
    if (saved != null && stty("-icanon", "-echo", "min", "1") == null) {
      saved = null;
    }
    TerminalScreen screen = new TerminalScreen(new PrintStream(System.out, false, StandardCharsets.UTF_8), saved);
    Runtime.getRuntime().addShutdownHook(screen.hook);
    if (saved != null) {
      Thread reader = new Thread(screen::readKeys, "drover-top-keys");
      reader.setDaemon(true);
      reader.start();
    }
    screen.out.print(ENTER);
    screen.out.flush();
    return screen;
  }

  /** Draws the lines from the top left, each cut to the terminal's width and height. */
  void draw(List<String> lines) {
    int[] size = size();
    StringBuilder b = new StringBuilder("\033[H");
    int rows = Math.min(lines.size(), size[0]);
    for (int i = 0; i < rows; i++) {
      String line = lines.get(i);
      b.append(line.length() > size[1] ? line.substring(0, size[1]) : line).append("\033[K");
      if (i < rows - 1) {
        b.append("\r\n");
      }
    }
    b.append("\033[J");
    out.print(b);
    out.flush();
  }

  /** Waits up to {@code d}; true as soon as q (or Ctrl-C read as a key) is pressed. */
  boolean awaitQuit(Duration d) throws InterruptedException {
    long deadline = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      Integer k = keys.poll(left, TimeUnit.NANOSECONDS);
      if (k == null) {
        return false;
      }
      if (k == 'q' || k == 'Q' || k == 3) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down: the hook runs (and finds it done)
    }
  }

  private void restore() {
    if (closed.compareAndSet(false, true)) {
      out.print(LEAVE);
      out.flush();
      if (saved != null) {
        stty(saved);
      }
    }
  }

  private void readKeys() {
    try {
      for (int k = System.in.read(); k >= 0; k = System.in.read()) {
        keys.add(k);
      }
    } catch (IOException e) {
      // no keyboard: Ctrl-C still ends the view
    }
  }

  /** {rows, columns}, 24x80 when the terminal does not say. */
  private static int[] size() {
    String s = stty("size");
    if (s != null) {
      String[] parts = s.trim().split("\\s+");
      if (parts.length == 2) {
        try {
          int rows = Integer.parseInt(parts[0]);
          int columns = Integer.parseInt(parts[1]);
          if (rows > 0 && columns > 0) { // 0 0: a pseudo-terminal that was given no size
            return new int[] {rows, columns};
          }
        } catch (NumberFormatException e) {
          // fall through
        }
      }
    }
    return new int[] {24, 80};
  }

  /** Runs stty on the controlling terminal; its output, or null when it failed. */
  private static String stty(String... args) {
    File tty = new File("/dev/tty");
    if (!tty.canRead()) {
      return null;
    }
    String[] command = new String[args.length + 1];
    command[0] = "stty";
    System.arraycopy(args, 0, command, 1, args.length);
    try {
      Process p = new ProcessBuilder(command).redirectInput(tty).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 ? output : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
