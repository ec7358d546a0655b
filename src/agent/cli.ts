#!/usr/bin/env node
/**
 * `dmgw` — the gateway's command line. Parses the sub-command, runs it, maps errors to exit codes:
 * a user mistake (DmgwError) prints one clear line and never a stack; anything else is a bug and says so.
 */
import { parseArgs } from 'node:util';
import { formatError, isDmgwError } from '../common/errors.js';
import { ExitCode } from '../common/exitCodes.js';
import { redact } from '../common/redact.js';
import { VERSION } from '../common/version.js';
import type { Command, CommandIo } from './commands/command.js';
import { commands, findCommand } from './commands/index.js';
import './commands/all.js';

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const which = name === 'help' ? rest[0] : undefined;
    const c = which ? findCommand(which) : undefined;
    io.stdout.write(c ? `${c.usage}\n` : helpText());
    return which && !c ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`dmgw ${VERSION}\n`);
    return ExitCode.Ok;
  }
  const cmd = findCommand(name);
  if (!cmd) {
    io.stderr.write(`dmgw: unknown command "${name}"\n\n${helpText()}`);
    return ExitCode.Usage;
  }
  if (asksForHelp(rest)) {
    io.stdout.write(`${usageOf(cmd, rest[0])}\n`);
    return ExitCode.Ok;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (isDmgwError(e)) {
      io.stderr.write(`dmgw ${name}: ${redact(formatError(e))}\n`);
      return e.code === 'USAGE' ? ExitCode.Usage : ExitCode.Failed;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`dmgw ${name}: ${e.message}\n\n${cmd.usage}\n`);
      return ExitCode.Usage;
    }
    const msg = e instanceof Error ? (io.env.DMGW_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
    io.stderr.write(`dmgw ${name}: internal error: ${redact(msg)}\n(this is a bug; rerun with DMGW_DEBUG=1 for details and report it)\n`);
    return ExitCode.Internal;
  }
}

/** `--help` or `-h` anywhere before a `--` asks for help, on a command or any of its sub-commands. */
export function asksForHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * A sub-command's part of its command's usage (the `  dmgw NAME SUB ...` lines and the indented lines under them)
 * when the usage has one, else the whole usage.
 */
export function usageOf(cmd: Command, sub: string | undefined): string {
  if (!sub || sub.startsWith('-')) return cmd.usage;
  const lines = cmd.usage.split('\n');
  const head = new RegExp(`^\\s*dmgw ${cmd.name} ${sub.replace(/[^\w-]/g, '')}(\\s|$)`);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!head.test(lines[i]!)) continue;
    const indent = lines[i]!.search(/\S/);
    out.push(lines[i]!);
    while (i + 1 < lines.length && lines[i + 1]!.trim() && lines[i + 1]!.search(/\S/) > indent) out.push(lines[++i]!);
  }
  return out.length ? `Usage:\n${out.join('\n')}\n\nRun "dmgw help ${cmd.name}" for all of ${cmd.name}'s sub-commands.` : cmd.usage;
}

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `dmgw ${VERSION} — Data Management Gateway\n\nUsage: dmgw <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "dmgw help <command>" for a command's options.\n`;
}

/** parseArgs with our conventions: strict, and `--flag=value` or `--flag value`. */
export { parseArgs };

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`dmgw: internal error: ${redact(String(e))}\n`);
      process.exitCode = ExitCode.Internal;
    },
  );
}
