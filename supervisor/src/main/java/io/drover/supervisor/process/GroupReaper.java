package io.drover.supervisor.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends every process of every worker's group when the node dies, however it dies — as systemd's
 * control-group kill does, without a control group. The death signal a worker gets from its
 * spawn ({@code setpriv --pdeathsig KILL}) reaches only its group leader; children that ignore
 * their parent's death would serve on (a forked server's workers keep answering on an inherited
 * socket).
 *
 * <p>A small bash process in a session of its own holds the read end of a pipe whose write end
 * only this JVM holds. The node writes {@code +PGID} for each worker group it spawns and {@code
 * -PGID} once a group is gone. When the pipe reaches end of file — the JVM exited, normally or by
 * SIGKILL — the reaper sends KILL to every group still listed, then exits. A pgid is listed only
 * while its group lives, so a number the kernel hands out again later is never signalled.
 *
 * <p>Used from the launcher's single thread only.
 */
final class GroupReaper {
  private static final Logger log = LoggerFactory.getLogger(GroupReaper.class);
  private static final Path BASH = Path.of("/bin/bash");
  private static final String SCRIPT =
      "trap '' INT TERM HUP; declare -A g; "
          + "while IFS= read -r l; do case $l in +*) g[${l#+}]=1;; -*) unset \"g[${l#-}]\";; esac; done; "
          + "for p in \"${!g[@]}\"; do kill -KILL -- \"-$p\" 2>/dev/null; done";

  private OutputStream pipe;
  private boolean broken;

  /** Lists a worker's group: it dies with the node from now on. */
  void watch(long pgid) {
    send("+" + pgid);
  }

  /** The group is gone: forget it. */
  void forget(long pgid) {
    send("-" + pgid);
  }

  private void send(String line) {
    if (broken || (pipe == null && !start())) {
      return;
    }
    try {
      pipe.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      pipe.flush();
    } catch (IOException e) {
      broken = true;
      log.warn("the group reaper is gone ({}): a killed node may leave its workers' children running"
          + " until its next start", e.toString());
    }
  }

  private boolean start() {
    if (!Files.isExecutable(BASH)) {
      broken = true;
      log.warn("{} not found: a killed node may leave its workers' children running until its next start", BASH);
      return false;
    }
    try {
      Process p = new ProcessBuilder("setsid", BASH.toString(), "-c", SCRIPT)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      pipe = p.getOutputStream();
      return true;
    } catch (IOException e) {
      broken = true;
      log.warn("cannot start the group reaper: {}", e.toString());
      return false;
    }
  }
}
