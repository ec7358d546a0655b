/**
 * Exit codes are a protocol between a dmgw process and whatever started it (a shell, the host's
 * supervisor, the VS Code extension). Written down once, here.
 */
export const ExitCode = {
  Ok: 0,
  /** The job or check ran and failed (bad data, validation problems, copy failed after retries). */
  Failed: 1,
  /** The command line was wrong. */
  Usage: 2,
  /** Failed with an error worth retrying later (network, service unavailable). */
  Retryable: 3,
  /** Stopped by a signal or a cancel request; nothing was committed. */
  Cancelled: 4,
  /**
   * The host installed a new agent version and exited so that its launcher (`dmgw start`'s background process)
   * starts it again from DMGW_HOME/versions/current. Anything else supervising `dmgw host` should simply restart it.
   */
  Updating: 75,
  /** An unexpected internal error (a bug): printed with a stack only under DMGW_DEBUG=1. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
