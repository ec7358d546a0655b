/**
 * The logger every part of the gateway writes through: levels, a verbose switch, one line per entry, to a stream
 * (stderr, an output channel) and optionally appended to a log file. Every line, fields included, passes through
 * `redact` right before it is written, so no caller can forget to.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
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

/**
 * Appends to `path` (created 0600 with its folder 0700: logs name servers, users and files). Writes are
 * synchronous so that a line logged just before a crash or kill is on disk.
 */
export function fileSink(path: string, level: LogLevel): LogSink {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number | undefined = openSync(path, 'a', 0o600);
  return {
    level,
    write: (e) => {
      if (fd !== undefined) writeSync(fd, `${formatEntry(e)}\n`);
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
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
  component?: string;
}

/** The logger a dmgw process uses: quiet on the terminal unless verbose, complete in the log file. */
export function standardLogger(opts: StandardLoggerOptions): Logger {
  const sinks: LogSink[] = [];
  if (opts.stream) sinks.push(streamSink(opts.stream, opts.verbose ? 'debug' : 'warn', { withTime: !!opts.verbose }));
  if (opts.file) sinks.push(fileSink(opts.file, opts.verbose ? 'debug' : 'info'));
  return createLogger(sinks, opts.component);
}

/** `DMGW_VERBOSE=1|true|yes` turns verbose logging on for every dmgw process (the host passes it to workers). */
export function verboseFromEnv(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true|yes|on)$/i.test(env.DMGW_VERBOSE ?? '');
}
