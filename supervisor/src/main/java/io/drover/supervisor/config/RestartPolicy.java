package io.drover.supervisor.config;

/** Which exits of a worker are restarted (OTP child restart types). */
public enum RestartPolicy {
  /** Always restarted, whatever the exit. */
  PERMANENT,
  /** Restarted only after an abnormal exit. */
  TRANSIENT,
  /** Never restarted. */
  TEMPORARY
}
