/**
 * The password of `dmgw service start --postgres URL`: never on the command line (every user of the machine sees a
 * process's arguments, and shells keep them in history). It comes from PGPASSWORD (pg reads it itself),
 * `--postgres-password-file FILE` or `--postgres-password-stdin`; a URL that carries one is refused, without
 * repeating it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import { registerSecret } from '../../common/redact.js';
import { readSecret } from '../secretInput.js';
import type { CommandIo } from './command.js';

export const POSTGRES_PASSWORD_WAYS = 'PGPASSWORD=... in the environment, --postgres-password-file FILE (one line, e.g. 0600) or --postgres-password-stdin';

export async function postgresPassword(io: CommandIo, o: { postgres?: string; file?: string; stdin?: boolean }): Promise<string | undefined> {
  if (o.postgres === undefined) {
    if (o.file !== undefined || o.stdin) throw new DmgwError('USAGE', 'a PostgreSQL password was given without --postgres URL', { field: 'postgres' }, 'the embedded store needs none; add --postgres URL to use a PostgreSQL server');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(o.postgres);
  } catch {
    throw new DmgwError('USAGE', '--postgres is not a URL', { field: 'postgres' }, 'write it as postgres://USER@HOST:PORT/DATABASE (the password goes elsewhere: ' + POSTGRES_PASSWORD_WAYS + ')');
  }
  if (url.password || [...url.searchParams.keys()].some((k) => k.toLowerCase() === 'password')) {
    throw new DmgwError('USAGE', '--postgres URL carries a password, which the command line shows to every user of this machine (and the shell keeps in its history)', { field: 'postgres' }, `give the URL without it (postgres://USER@HOST:PORT/DATABASE) and the password by ${POSTGRES_PASSWORD_WAYS}`);
  }
  if (o.file !== undefined && o.stdin) throw new DmgwError('USAGE', 'give the PostgreSQL password either in a file or on stdin, not both', { field: 'postgres-password-file' });
  if (o.stdin) return readSecret(io, { stdin: true }, 'PostgreSQL password');
  if (o.file === undefined) return undefined;
  const file = resolve(io.cwd, o.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DmgwError('USAGE', `cannot read the PostgreSQL password file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file, field: 'postgres-password-file' }, 'pass a file holding the password on one line');
  }
  // only the line end an editor or `echo` adds: other whitespace may be part of the password
  const password = text.replace(/\r?\n$/, '');
  if (!password) throw new DmgwError('USAGE', `the PostgreSQL password file ${file} is empty`, { file, field: 'postgres-password-file' }, 'write the password on its first line');
  registerSecret(password);
  return password;
}
