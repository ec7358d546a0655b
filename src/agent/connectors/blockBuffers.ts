/**
 * The memory blob writers stage blocks in: a fixed number of block-sized buffers for the whole process,
 * reused from block to block and shared by every blob being written (all partitions, all activities).
 * A writer takes a buffer to fill and gives it back once its block has been staged; when all are taken it
 * waits, which is the backpressure of every blob pipeline. Why not a new buffer per block:
 * - each lived for seconds (filled, then in flight), long enough for V8 to move it to old space, where its
 *   4 MiB was freed only at the next full GC — which V8 starts only after ~64 MB of such memory piled up;
 * - each blob had its own window, so 4 parallel copies held 4 × 5 blocks (80 MiB).
 */

export class BlockBuffers {
  private readonly free: Buffer[] = [];
  private made = 0;
  private readonly waiting: Array<(b: Buffer) => void> = [];

  constructor(
    readonly size: number,
    readonly capacity: number,
  ) {}

  /** Buffers taken and not given back. */
  get taken(): number {
    return this.made - this.free.length;
  }

  /** Writers waiting for a buffer. */
  get waiters(): number {
    return this.waiting.length;
  }

  /** A buffer to fill (its content is undefined); waits while all `capacity` are taken. Rejects on abort. */
  take(signal: AbortSignal): Promise<Buffer> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.made < this.capacity) {
      this.made++;
      return Promise.resolve(Buffer.allocUnsafe(this.size));
    }
    return new Promise<Buffer>((resolve, reject) => {
      const waiter = (buf: Buffer) => {
        signal.removeEventListener('abort', onAbort);
        resolve(buf);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Gives a buffer back (to the longest waiter, if any). Give each taken buffer back exactly once. */
  give(b: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(b);
    else this.free.push(b);
  }
}
