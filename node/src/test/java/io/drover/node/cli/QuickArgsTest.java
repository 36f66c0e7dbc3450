package io.drover.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The plain forms read without picocli mean what picocli makes of them; everything else is left to picocli. */
class QuickArgsTest {

  /** The fields a verb runs with, as one line. */
  static String fields(ApiCommand c) {
    ApiOptions o = c.api;
    String own;
    if (c instanceof StatusCommand s) {
      own = "app=" + s.app;
    } else if (c instanceof ScaleCommand s) {
      own = "app=" + s.app + " n=" + s.instances;
    } else if (c instanceof RestartCommand r) {
      own = "app=" + r.app + " worker=" + r.worker;
    } else if (c instanceof AppStateCommand a) {
      own = "app=" + a.app;
    } else {
      throw new AssertionError(c.getClass().toString());
    }
    return c.getClass().getSimpleName() + " " + own + " url=" + o.url + " token=" + o.token + " cacert=" + o.cacert
        + " timeout=" + o.timeout + " json=" + o.json;
  }

  static String[] rest(String argv) {
    String[] all = argv.split(" ", -1);
    return Arrays.copyOfRange(all, 1, all.length);
  }

  @Test
  void everyPlainFormMeansWhatPicocliReadsInIt() {
    List<String> plain = List.of(
        "status",
        "status web",
        "status --json",
        "status web --json --url http://127.0.0.1:9 --token abc --timeout 5s --cacert ca.pem",
        "status --url=https://node:9443 web --timeout=500ms --token=a=b",
        "status ",
        "scale web 3",
        "scale web 0",
        "scale --json web 007 --url http://h:1",
        "scale web 2 --timeout 10",
        "restart web",
        "restart web --worker 0",
        "restart --worker=12 web --json --timeout 1h",
        "stop web",
        "stop web --url http://127.0.0.1:9090",
        "start web --json",
        "start --token t web");
    for (String argv : plain) {
      String verb = argv.split(" ")[0];
      ApiCommand quick = QuickArgs.parse(verb, rest(argv));
      assertNotNull(quick, "read without picocli: " + argv);
      CommandLine picocli = ClientVerbs.commandLine(verb);
      picocli.parseArgs(rest(argv));
      ApiCommand parsed = picocli.getCommand();
      assertEquals(fields(parsed), fields(quick), argv);
    }
  }

  @Test
  void anythingElseIsLeftToPicocli() {
    List<String> others = List.of(
        "status --help", "status -h", "status --version", "status -V", "scale --help",
        "status a b", "scale web", "scale web 3 4", "restart", "stop", "start web web",
        "scale web +3", "scale web -1", "scale web many", "scale web 99999999999", "scale web 0x10",
        "restart web --worker", "restart web --worker -1", "restart web --worker 1 --worker 2", "restart web --worker=a",
        "status --worker 1", "status --json --json", "status --json=true", "status --url a --url b",
        "status --token", "status --token --json", "status --timeout soon", "status --timeout 0s",
        "status -- web", "status @args.txt", "status --url @file", "status -x", "status --URL http://h:1",
        "logs web", "top", "cluster", "apply f.conf", "rollout web", "events", "run x.conf");
    for (String argv : others) {
      assertNull(QuickArgs.parse(argv.split(" ")[0], rest(argv)), "left to picocli: " + argv);
    }
  }
}
