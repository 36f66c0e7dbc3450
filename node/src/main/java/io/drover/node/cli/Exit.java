package io.drover.node.cli;

/** Exit statuses of the API verbs (also in every verb's help). */
final class Exit {
  static final int OK = 0;
  /** The node said no: a 4xx/5xx, an aborted restart, an invalid config. */
  static final int REFUSED = 1;
  /** Bad arguments (picocli's own status for them). */
  static final int USAGE = 2;
  /** Cannot reach the node: refused, unknown host, TLS refused (untrusted certificate), no answer in time, stream lost. */
  static final int UNREACHABLE = 3;
  /** 401: missing or wrong bearer token. */
  static final int UNAUTHORIZED = 4;
  /** Interrupted while waiting. */
  static final int INTERRUPTED = 130;

  /** The help footer of every API verb (picocli format: %n is a line break). */
  static final String FOOTER =
      "%nThe node: --url, else $DROVER_URL, else http://127.0.0.1:9090."
          + "%nIts token: --token, else $DROVER_TOKEN. For https, the certificates to trust:"
          + "%n--cacert FILE, else $DROVER_CACERT, else the system's CAs."
          + "%n%nExit status:"
          + "%n  0  ok"
          + "%n  1  the node said no: an error answer (unknown app, bad value, invalid"
          + "%n     config) or an aborted restart"
          + "%n  2  usage error"
          + "%n  3  cannot reach the node: connection refused, unknown host, untrusted"
          + "%n     certificate, no answer within --timeout"
          + "%n  4  unauthorized: missing or wrong token";

  private Exit() {}
}
