/**
 * Rate limit on failed authentication, per client address: after `limit` failures within `windowMs` the address is
 * refused (429) until the window has passed, so a token cannot be guessed online. Successes do not count.
 */
export class FailedAttempts {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds the address must wait, or 0 when it may try. */
  blockedFor(address: string, now = Date.now()): number {
    const recent = this.recent(address, now);
    if (recent.length < this.limit) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
  }

  fail(address: string, now = Date.now()): void {
    const recent = this.recent(address, now);
    recent.push(now);
    this.seen.set(address, recent);
    // bounded memory under a flood of addresses
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value!);
  }

  private recent(address: string, now: number): number[] {
    return (this.seen.get(address) ?? []).filter((t) => now - t < this.windowMs);
  }
}
