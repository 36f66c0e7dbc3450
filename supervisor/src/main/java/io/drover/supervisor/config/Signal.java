package io.drover.supervisor.config;

/** The POSIX signals a worker may be asked to stop with. */
public enum Signal {
  TERM,
  INT,
  QUIT,
  HUP,
  USR1,
  USR2,
  KILL
}
