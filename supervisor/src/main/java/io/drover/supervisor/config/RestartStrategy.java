package io.drover.supervisor.config;

/** Which workers are restarted together (OTP supervisor strategies). */
public enum RestartStrategy {
  /** Only the worker that exited. */
  ONE_FOR_ONE,
  /** Every worker of the app. */
  ONE_FOR_ALL,
  /** The worker that exited and those started after it. */
  REST_FOR_ONE
}
