/**
 * Runs the real `dmgw` CLI of this build (dist/agent/cli.js) as a child process, the way a user or the VS Code
 * extension would: plain commands with their output captured, and `dmgw run --events ndjson` with each event
 * handed over as it arrives.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunEvent } from '../common/events.js';

/** dist/demo/main.js sits beside dist/agent/cli.js. */
export function dmgwCliPath(): string {
  return join(__dirname, '..', 'agent', 'cli.js');
}

export interface DmgwResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DmgwOptions {
  env: NodeJS.ProcessEnv;
  /** written to the child's stdin, which is then closed (secrets go this way, never on the command line) */
  input?: string;
}

export async function runDmgw(args: string[], opts: DmgwOptions): Promise<DmgwResult> {
  const cli = requireCli();
  const child = spawn(process.execPath, [cli, ...args], { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.end(opts.input ?? '');
  const code = await exitCode(child);
  return { code, stdout, stderr };
}

export interface RunHandle {
  pid: number;
  /** resolves when the process has exited */
  done: Promise<DmgwResult>;
  kill(): void;
}

/**
 * `dmgw <args>` whose stdout is ndjson events: each parsed line goes to `onEvent`; a line that is not JSON is
 * kept in `stdout` (so nothing the engine says is lost). stderr is captured and also passed to `onStderr`.
 */
export function runDmgwWithEvents(args: string[], opts: DmgwOptions & { onEvent: (e: RunEvent) => void; onStderr?: (text: string) => void }): RunHandle {
  const cli = requireCli();
  const child = spawn(process.execPath, [cli, ...args], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    const e = parseEvent(line);
    if (e) opts.onEvent(e);
    else stdout += `${line}\n`;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    opts.onStderr?.(s);
  });
  return {
    pid: child.pid ?? -1,
    done: exitCode(child).then((code) => ({ code, stdout, stderr })),
    kill: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

export interface LongRunning {
  pid: number;
  /** stderr so far (the host logs to its home; this holds what it could not log there) */
  stderr(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited */
  stop(graceMs?: number): Promise<void>;
}

/** A long-running `dmgw` child (the gateway host): stdout ignored, stderr kept. */
export function startDmgw(args: string[], opts: { env: NodeJS.ProcessEnv }): LongRunning {
  const child = spawn(process.execPath, [requireCli(), ...args], { env: opts.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = exitCode(child).catch(() => 1);
  return {
    pid: child.pid ?? -1,
    stderr: () => stderr,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}

function parseEvent(line: string): RunEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const e = JSON.parse(line) as RunEvent;
    return typeof e.event === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

function requireCli(): string {
  const cli = dmgwCliPath();
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (node scripts/build.mjs)`);
  return cli;
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
