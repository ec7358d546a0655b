/** Waiting between attempts when the service is unreachable: exponential, capped, with jitter so a fleet does not reconnect in step. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly capMs = 60_000,
  ) {}

  /** Next delay: between half and all of min(cap, base·2^n). */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** `ms` ± `fraction`, for periodic work (heartbeats) that should not line up across nodes. */
export function jittered(ms: number, fraction = 0.1): number {
  return ms * (1 - fraction + 2 * fraction * Math.random());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
