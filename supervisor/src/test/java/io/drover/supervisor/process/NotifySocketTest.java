package io.drover.supervisor.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.drover.supervisor.process.NotifySocket.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class NotifySocketTest {
  private static final long WAIT_SECONDS = 10;
  private static final Path SYSTEMD_NOTIFY = Path.of("/usr/bin/systemd-notify");
  /** The usual sd_notify client, sending each argument (hex) as one datagram. */
  private static final String PYTHON_CLIENT =
      "import os, socket, sys\n"
          + "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
          + "for m in sys.argv[1:]:\n"
          + "    s.sendto(bytes.fromhex(m), os.environ['NOTIFY_SOCKET'])\n";

  private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();

  @Test
  void readyWithStatusThenWatchdogArriveAsTwoParsedMessages() throws Exception {
    try (NotifySocket socket = NotifySocket.open(received::add)) {
      send(socket, "READY=1\nSTATUS=listening on 8080", "WATCHDOG=1");

      Message first = next();
      assertTrue(first.ready());
      assertFalse(first.watchdog());
      assertFalse(first.stopping());
      assertEquals("listening on 8080", first.status());
      assertEquals(Map.of("READY", "1", "STATUS", "listening on 8080"), first.fields());

      Message second = next();
      assertTrue(second.watchdog());
      assertFalse(second.ready());
      assertNull(second.status());
    }
  }

  @Test
  void systemdNotifyReadyArrivesAsReady() throws Exception {
    assumeTrue(Files.isExecutable(SYSTEMD_NOTIFY), SYSTEMD_NOTIFY + " is not installed");
    try (NotifySocket socket = NotifySocket.open(received::add)) {
      // exits 0 only once its BARRIER=1 pipe is closed: the socket drops the descriptor unread
      run(socket, SYSTEMD_NOTIFY.toString(), "--ready", "--status=up");

      Message message = next();
      assertTrue(message.ready(), "first message: " + message);
      assertEquals("up", message.status());
    }
  }

  @Test
  void closeRemovesTheSocketFileAndTheLastCloseTheDirectory() throws Exception {
    NotifySocket first = NotifySocket.open(received::add);
    NotifySocket second = NotifySocket.open(received::add);
    Path dir = first.path().getParent();
    try {
      assertEquals(dir, second.path().getParent(), "one directory per JVM");
      assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(dir));
      assertTrue(Files.exists(first.path()) && Files.exists(second.path()));

      first.close();
      assertFalse(Files.exists(first.path()), "socket file of the closed socket");
      assertTrue(Files.exists(second.path()) && Files.isDirectory(dir), "the other socket is still open");

      second.close();
      assertFalse(Files.exists(second.path()));
      assertFalse(Files.exists(dir), "directory after the last close");

      second.close();
      first.close();
    } finally {
      first.close();
      second.close();
    }
  }

  @Test
  void garbageIsAMessageWithoutFlagsAndLaterMessagesStillArrive() throws Exception {
    try (NotifySocket socket = NotifySocket.open(received::add)) {
      send(socket, new byte[] {(byte) 0xff, (byte) 0xfe, 'n', 'o', 'i', 's', 'e', '\n', 0}, "READY=1".getBytes(UTF_8));

      Message garbage = next();
      assertFalse(garbage.ready() || garbage.watchdog() || garbage.stopping(), "flags of garbage: " + garbage);
      assertNull(garbage.status());
      assertTrue(garbage.fields().isEmpty(), "fields of garbage: " + garbage.fields());
      assertTrue(next().ready(), "the message after the garbage");
    }
  }

  @Test
  void aThrowingHandlerIsLoggedAndTheSocketKeepsReceiving() throws Exception {
    AtomicBoolean thrown = new AtomicBoolean();
    try (NotifySocket socket =
        NotifySocket.open(
            m -> {
              if (thrown.compareAndSet(false, true)) {
                throw new IllegalStateException("handler refuses the first message");
              }
              received.add(m);
            })) {
      send(socket, "STATUS=one", "STATUS=two");

      assertEquals("two", next().status());
      assertTrue(thrown.get());
    }
  }

  @Test
  void aDatagramIsReadUpToFourKiB() throws Exception {
    try (NotifySocket socket = NotifySocket.open(received::add)) {
      send(socket, "STATUS=" + "x".repeat(10_000), "STOPPING=1");

      assertEquals(NotifySocket.MAX_DATAGRAM - "STATUS=".length(), next().status().length());
      assertTrue(next().stopping(), "the message after the long one");
    }
  }

  @Test
  void laterKeysWinAndLinesWithoutEqualsAreIgnored() {
    Message m = Message.parse("READY=0\nnoise\nREADY=1\nSTATUS=a=b\nMAINPID=42\n");
    assertTrue(m.ready());
    assertEquals("a=b", m.status());
    assertEquals(Map.of("READY", "1", "STATUS", "a=b", "MAINPID", "42"), m.fields());
  }

  private Message next() throws InterruptedException {
    Message m = received.poll(WAIT_SECONDS, SECONDS);
    assertNotNull(m, "no message within " + WAIT_SECONDS + " s");
    return m;
  }

  private static void send(NotifySocket socket, String... datagrams) throws Exception {
    byte[][] bytes = new byte[datagrams.length][];
    for (int i = 0; i < datagrams.length; i++) {
      bytes[i] = datagrams[i].getBytes(UTF_8);
    }
    send(socket, bytes);
  }

  private static void send(NotifySocket socket, byte[]... datagrams) throws Exception {
    List<String> command = new ArrayList<>(List.of("python3", "-c", PYTHON_CLIENT));
    for (byte[] d : datagrams) {
      command.add(HexFormat.of().formatHex(d));
    }
    run(socket, command.toArray(String[]::new));
  }

  /** Runs a child with NOTIFY_SOCKET set and waits for it to succeed. */
  private static void run(NotifySocket socket, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("NOTIFY_SOCKET", socket.path().toString());
    Process child = pb.start();
    try {
      assertTrue(child.waitFor(WAIT_SECONDS, SECONDS), command[0] + " did not end within " + WAIT_SECONDS + " s");
      String output = new String(child.getInputStream().readAllBytes(), UTF_8);
      assertEquals(0, child.exitValue(), command[0] + " failed: " + output);
    } finally {
      child.destroyForcibly();
      child.waitFor(WAIT_SECONDS, SECONDS);
    }
  }
}
