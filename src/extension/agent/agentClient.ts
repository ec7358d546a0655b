/**
 * Runs the agent bundled in the extension (`dist/agent/cli.js`) as a child process with VS Code's own Node:
 * `process.execPath` with ELECTRON_RUN_AS_NODE=1 (a plain `node` under code-server, Electron on the desktop).
 * The agent is the one source of truth for gateway state; the extension only asks it, never guesses.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';

export interface AgentResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class AgentError extends Error {
  constructor(
    message: string,
    readonly result: AgentResult,
  ) {
    super(message);
  }
}

export class AgentClient {
  constructor(
    readonly cliPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The gateway home the agent uses: the `dmgw.home` setting, else the agent's own default (DMGW_HOME or ~/.dmgw). */
  env(): NodeJS.ProcessEnv {
    const home = vscode.workspace.getConfiguration('dmgw').get<string>('home')?.trim();
    const verbose = vscode.workspace.getConfiguration('dmgw').get<boolean>('verboseLogging');
    return {
      ...process.env,
      ELECTRON_RUN_AS_NODE: '1',
      ...(home ? { DMGW_HOME: home } : {}),
      ...(verbose ? { DMGW_LOG_LEVEL: 'debug' } : {}),
    };
  }

  /** Runs `dmgw ARGS` to completion; never throws for a non-zero exit (the caller reads `code`). */
  exec(args: string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<AgentResult> {
    this.log.debug(`dmgw ${args.join(' ')}`);
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [this.cliPath, ...args],
        { env: this.env(), cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          if (stderr.trim()) this.log.debug(`dmgw ${args[0]}: ${stderr.trim()}`);
          resolve({ code, stdout, stderr });
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  }

  /** Runs `dmgw ARGS --json`-style commands and parses stdout; a failure becomes an AgentError with the agent's own message. */
  async json<T>(args: string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<T> {
    const r = await this.exec(args, opts);
    if (r.code !== 0) throw new AgentError(firstLine(r.stderr) || `dmgw ${args[0]} exited with ${r.code}`, r);
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new AgentError(`dmgw ${args[0]} did not print JSON: ${firstLine(r.stdout)}`, r);
    }
  }

  /** Starts `dmgw ARGS` and hands back the process, for streams (`run --events ndjson`). */
  spawn(args: string[], opts: { cwd?: string } = {}): ChildProcess {
    this.log.debug(`dmgw ${args.join(' ')}`);
    return spawn(process.execPath, [this.cliPath, ...args], { env: this.env(), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? '';
}

/** True when the agent does not know the command (an older agent, or a part not built yet). */
export function isUnknownCommand(e: unknown): boolean {
  return e instanceof AgentError && /unknown command/.test(e.result.stderr);
}
