/**
 * What the SQL connectors do alike with a driver's session: run a function on a session of its own
 * (`withSession`), read a catalog's row estimate (`rowEstimate`), and hand over the rows a driver pushes through events in batches with backpressure
 * (`RowBatcher`: mysql2's connection in mysqlQuery.ts, mssql's streamed request in sqlServer.ts).
 */
import { BATCH_ROWS } from '../copy/rows.js';

/**
 * `fn` on a new session, released afterwards; when `fn` failed the session is released as broken (the
 * connector cuts it at the socket, so the server rolls back whatever statement was in flight).
 */
export async function withSession<S, T>(connect: () => Promise<S>, release: (session: S, broken: boolean) => void, fn: (session: S) => Promise<T>): Promise<T> {
  const session = await connect();
  let broken = false;
  try {
    return await fn(session);
  } catch (e) {
    broken = true;
    throw e;
  } finally {
    release(session, broken);
  }
}

/**
 * A table's row count as a catalog estimates it, read by `read` (a number, or its text); undefined when the
 * catalog does not know (nothing, or a negative count) or cannot be asked: an estimate only sizes progress.
 */
export async function rowEstimate(read: () => Promise<unknown>): Promise<number | undefined> {
  try {
    const n = Number((await read()) ?? -1);
    return n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The driver side of a streamed query. */
export interface RowFlow {
  pause(): void;
  resume(): void;
  /** stops the query (on abort): its rows stop and the driver reports an error or the end */
  cancel(): void;
}

/**
 * Rows pushed by a driver's events (`push`, then `end` or `fail`), taken in batches of about BATCH_ROWS
 * (`batches`). While a full batch waits to be taken the driver is paused, so TCP (or TDS) flow control holds
 * the server back instead of the agent buffering the table; it is resumed when the batch is taken.
 */
export class RowBatcher<T> {
  private rows: T[] = [];
  private paused = false;
  private ended = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  constructor(private readonly flow: RowFlow) {}

  /** true once the driver reported the end of the rows */
  get done(): boolean {
    return this.ended;
  }

  push(row: T): void {
    this.rows.push(row);
    if (this.rows.length >= BATCH_ROWS && !this.paused) {
      this.paused = true;
      this.flow.pause();
      this.poke();
    }
  }

  fail(e: unknown): void {
    this.failure ??= e;
    this.poke();
  }

  end(): void {
    this.ended = true;
    this.poke();
  }

  /** The batches until the end; the first failure (a driver error, or the abort's reason) is thrown. */
  async *batches(signal: AbortSignal): AsyncGenerator<T[]> {
    const onAbort = () => {
      this.failure ??= signal.reason ?? new Error('aborted');
      this.flow.cancel();
      this.poke();
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        if (this.rows.length >= BATCH_ROWS || (this.ended && this.rows.length)) {
          const batch = this.rows;
          this.rows = [];
          yield batch;
          if (this.paused) {
            this.paused = false;
            this.flow.resume();
          }
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
