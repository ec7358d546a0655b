/**
 * Which failures are worth another try, and how long to wait: exponential backoff with jitter. The copy
 * engine retries a partition (restarting it cleanly); runPipeline retries a whole activity (policy.retry).
 */
import { isDmgwError } from '../../common/errors.js';

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'REQUEST_SEND_ERROR', 'ERR_STREAM_PREMATURE_CLOSE', 'PROTOCOL_CONNECTION_LOST', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN']);
/** mysql2's codes above: the server closed the connection mid-statement ("Connection lost"), KILL CONNECTION, shutdown. */
/** SQLSTATEs: connection exceptions (08), operator intervention (57P01-57P03), serialization and deadlock, too many connections. */
const TRANSIENT_SQLSTATE = /^(08...|57P0[123]|40001|40P01|53300|53400)$/;
const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);
/** Azure Storage refused a block whose bytes did not match its Content-MD5 (or CRC64): damaged on the way, so sending it again is the fix. */
const TRANSIENT_STORAGE_CODES = new Set(['Md5Mismatch', 'Crc64Mismatch']);
// `encountered a connection error`: pg's answer to a query on a session whose connection died between two queries
const TRANSIENT_MESSAGE = /connection terminated|terminated unexpectedly|socket hang up|socket closed|timeout|timed out|ECONNRESET|ECONNREFUSED|premature close|other side closed|connection lost|lost connection|encountered a connection error/i;

export function isTransient(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  if (isDmgwError(e)) return false;
  const err = e as { code?: unknown; statusCode?: unknown; status?: unknown; message?: unknown; cause?: unknown; name?: unknown };
  if (err.name === 'AbortError') return false;
  if (typeof err.code === 'string' && (TRANSIENT_CODES.has(err.code) || TRANSIENT_STORAGE_CODES.has(err.code) || TRANSIENT_SQLSTATE.test(err.code))) return true;
  const status = typeof err.statusCode === 'number' ? err.statusCode : typeof err.status === 'number' ? err.status : undefined;
  if (status !== undefined) return TRANSIENT_HTTP.has(status);
  if (typeof err.message === 'string' && TRANSIENT_MESSAGE.test(err.message)) return true;
  return isTransient(err.cause, depth + 1);
}

export interface RetryPolicy {
  /** total tries, the first included */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_PARTITION_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

/** Delay before try `attempt + 1` (attempt ≥ 1): half fixed, half random, doubling each time, capped. */
export function backoffMs(attempt: number, p: RetryPolicy, random: () => number = Math.random): number {
  const d = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `fn` until it succeeds, fails with a non-transient error, or the tries are used up. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, p: RetryPolicy, signal: AbortSignal, onRetry: (e: unknown, attempt: number, delayMs: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (signal.aborted || attempt >= p.attempts || !isTransient(e)) throw e;
      const delay = backoffMs(attempt, p);
      onRetry(e, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
