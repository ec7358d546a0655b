/**
 * Wakes the long polls waiting on a gateway the moment a job is queued for it in this process. Polls also
 * look again on a short timer, which is what picks up work queued by another replica sharing the store.
 */
export class Wakeups {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(gatewayId: string): void {
    const set = this.waiters.get(gatewayId);
    if (!set) return;
    this.waiters.delete(gatewayId);
    for (const w of set) w();
  }

  notifyAll(): void {
    for (const id of [...this.waiters.keys()]) this.notify(id);
  }

  /** Resolves on notify, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(gatewayId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(gatewayId);
      if (!set) this.waiters.set(gatewayId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(gatewayId)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}

/** The wakeup key of a gateway's probe polls (store/probes.ts), and of one probe's answer. */
export const probeQueueKey = (gatewayId: string): string => `probes ${gatewayId}`;
export const probeDoneKey = (probeId: string): string => `probe ${probeId}`;
