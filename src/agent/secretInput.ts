/**
 * Secrets given to a dmgw command: from stdin (`--password-stdin`) or from an environment variable (`--from-env`),
 * never from the command line, where `ps` and shell history would show them. On a terminal the typed characters are
 * not echoed. The value is registered for redaction the moment it is read.
 */
import { DmgwError } from '../common/errors.js';
import { registerSecret } from '../common/redact.js';
import type { CommandIo } from './commands/command.js';

export interface SecretSource {
  stdin?: boolean;
  /** Name of an environment variable. */
  env?: string;
}

/** Reads the secret from where `source` says; undefined when neither was asked for. */
export async function readSecret(io: CommandIo, source: SecretSource, what = 'password'): Promise<string | undefined> {
  if (source.stdin && source.env) throw new DmgwError('USAGE', 'give the secret either on stdin or from an environment variable, not both');
  let value: string | undefined;
  if (source.env !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(source.env)) throw new DmgwError('USAGE', `--from-env: "${source.env}" is not an environment variable name`);
    value = io.env[source.env];
    if (!value) throw new DmgwError('USAGE', `environment variable ${source.env} is not set or is empty`, {}, `export ${source.env}=... before running dmgw, or use --password-stdin`);
  } else if (source.stdin) {
    const tty = (io.stdin as NodeJS.ReadStream).isTTY === true;
    value = tty ? await readHidden(io, `${what[0]!.toUpperCase()}${what.slice(1)}: `) : stripLineEnd(await readAll(io.stdin));
    if (!value) throw new DmgwError('USAGE', `the ${what} read from stdin is empty`, {}, `pipe it in, e.g. \`printf %s "$PASSWORD" | dmgw ...\``);
  } else return undefined;
  registerSecret(value);
  return value;
}

/** Only the line end a shell adds: other whitespace may be part of the secret. */
function stripLineEnd(s: string): string {
  return s.replace(/\r?\n$/, '');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** One line from a terminal in raw mode, echoing nothing; Ctrl-C and Ctrl-D abort. */
function readHidden(io: CommandIo, prompt: string): Promise<string> {
  const input = io.stdin as NodeJS.ReadStream;
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error): void => {
      input.setRawMode?.(false);
      input.pause();
      input.removeListener('data', onData);
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new DmgwError('CANCELLED', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.setRawMode?.(true);
    input.resume();
    input.on('data', onData);
  });
}
