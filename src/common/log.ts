/**
 * The logger every part of the gateway writes through: levels, a verbose switch, one line per entry, to a stream
 * (stderr, an output channel) and optionally appended to a log file. Every line, fields included, passes through
 * `redact` right before it is written, so no caller can forget to.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { redact, redactError } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogFields = Record<string, unknown>;

export interface LogEntry {
  time: Date;
  level: LogLevel;
  component?: string;
  message: string;
  fields?: LogFields;
}

/** Where entries go; each sink has its own threshold. */
export interface LogSink {
  level: LogLevel;
  write(entry: LogEntry): void;
  close?(): void;
}

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** True when debug entries reach at least one sink: lets callers skip building expensive debug text. */
  readonly debugEnabled: boolean;
  /** The same sinks, with `component` shown in brackets. */
  child(component: string): Logger;
  close(): void;
}

/** `2026-05-01T10:00:00.000Z INFO  [component] message key=value` — already redacted. */
export function formatEntry(e: LogEntry, withTime = true): string {
  const head = `${withTime ? `${e.time.toISOString()} ` : ''}${e.level.toUpperCase().padEnd(5)} ${e.component ? `[${e.component}] ` : ''}`;
  const fields = e.fields ? Object.entries(e.fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${formatValue(v)}`).join('') : '';
  // Continuation lines are indented after redaction, so a multi-line value is matched as written.
  return redact(`${head}${e.message}${fields}`).replace(/\r?\n/g, '\n    ');
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(redactError(v));
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function streamSink(stream: Writable, level: LogLevel, opts: { withTime?: boolean } = {}): LogSink {
  return { level, write: (e) => void stream.write(`${formatEntry(e, opts.withTime ?? true)}\n`) };
}

/** Size-based rotation of a log file: `path` → `path.1` → … → `path.<maxFiles>`, the oldest dropped. */
export interface LogRotation {
  /** rotate once the file would grow past this many bytes */
  maxBytes: number;
  /** rotated files kept beside the live one */
  maxFiles: number;
}

/**
 * Appends to `path` (created 0600 with its folder 0700: logs name servers, users and files). Writes are
 * synchronous so that a line logged just before a crash or kill is on disk.
 *
 * With `rotation`, several processes may append to the same file (the host, the launcher, commands): before each
 * line a writer checks whether the file at `path` is still the one it holds open (another process may have rotated
 * it: then it reopens) and whether the line would take it past `maxBytes`; if so it rotates under `path.lock` (made
 * with O_EXCL; one taken more than 10 s ago is stale), checking the size again inside the lock so two writers
 * never rotate twice for one overflow. A writer that finds the lock held writes on and lets its holder rotate.
 */
export function fileSink(path: string, level: LogLevel, rotation?: LogRotation): LogSink {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number | undefined = openSync(path, 'a', 0o600);
  const reopen = () => {
    if (fd !== undefined) closeSync(fd);
    fd = openSync(path, 'a', 0o600);
  };
  return {
    level,
    write: (e) => {
      if (fd === undefined) return;
      const line = `${formatEntry(e)}\n`;
      if (rotation) {
        try {
          const mine = fstatSync(fd);
          const there = statSync(path, { throwIfNoEntry: false });
          if (!there || there.ino !== mine.ino) reopen();
          else if (mine.size > 0 && mine.size + Buffer.byteLength(line) > rotation.maxBytes && rotate(path, rotation)) reopen();
        } catch {
          // rotation is best effort: the line is written either way
        }
      }
      writeSync(fd!, line);
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** Shifts the files under the lock; false when another writer holds it (it rotates) or the file is small again. */
function rotate(path: string, r: LogRotation): boolean {
  const lock = `${path}.lock`;
  try {
    closeSync(openSync(lock, 'wx', 0o600));
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > 10_000) rmSync(lock, { force: true });
    } catch {
      // gone meanwhile
    }
    return false;
  }
  try {
    // another writer may have rotated between our size check and the lock
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) <= r.maxBytes / 2) return true;
    rmSync(`${path}.${r.maxFiles}`, { force: true });
    for (let i = r.maxFiles - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      } catch {
        // a gap in the chain
      }
    }
    renameSync(path, `${path}.1`);
    return true;
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // removed as stale by another writer
    }
  }
}

/** A sink that keeps formatted lines in memory (the extension's output channel buffer, tests). */
export function memorySink(level: LogLevel, lines: string[] = []): LogSink & { lines: string[] } {
  return { level, lines, write: (e) => void lines.push(formatEntry(e, false)) };
}

export function createLogger(sinks: LogSink[], component?: string, clock: () => Date = () => new Date()): Logger {
  const debugEnabled = sinks.some((s) => RANK[s.level] >= RANK.debug);
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    const entry: LogEntry = { time: clock(), level, component, message, fields };
    for (const s of sinks) if (RANK[level] <= RANK[s.level]) s.write(entry);
  };
  return {
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
    debugEnabled,
    child: (c) => createLogger(sinks, component ? `${component}/${c}` : c, clock),
    close: () => {
      for (const s of sinks) s.close?.();
    },
  };
}

export interface StandardLoggerOptions {
  /** Human-facing stream (stderr): warnings and errors, everything under verbose. */
  stream?: Writable;
  verbose?: boolean;
  /** Log file (e.g. DMGW_HOME/logs/dmgw.log): info and up, everything under verbose. */
  file?: string;
  /** size-based rotation of `file` (the gateway's `logs.maxFileMb` / `logs.maxFiles` settings) */
  rotation?: LogRotation;
  component?: string;
}

/** The logger a dmgw process uses: quiet on the terminal unless verbose, complete in the log file. */
export function standardLogger(opts: StandardLoggerOptions): Logger {
  const sinks: LogSink[] = [];
  if (opts.stream) sinks.push(streamSink(opts.stream, opts.verbose ? 'debug' : 'warn', { withTime: !!opts.verbose }));
  if (opts.file) sinks.push(fileSink(opts.file, opts.verbose ? 'debug' : 'info', opts.rotation));
  return createLogger(sinks, opts.component);
}

/** `DMGW_VERBOSE=1|true|yes` turns verbose logging on for every dmgw process (the host passes it to workers). */
export function verboseFromEnv(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true|yes|on)$/i.test(env.DMGW_VERBOSE ?? '');
}
