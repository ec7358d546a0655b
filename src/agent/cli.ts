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
import type { CommandIo } from './commands/command.js';
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
