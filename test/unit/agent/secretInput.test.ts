import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../../src/agent/commands/command.js';
import { readSecret } from '../../../src/agent/secretInput.js';
import { isDmgwError } from '../../../src/common/errors.js';
import { forgetSecrets, redact } from '../../../src/common/redact.js';

afterEach(() => forgetSecrets());

function io(stdin: NodeJS.ReadableStream, env: NodeJS.ProcessEnv = {}): CommandIo & { err: () => string } {
  let err = '';
  const stderr = new Writable({
    write(c, _e, cb) {
      err += c.toString();
      cb();
    },
  });
  return { stdin, stdout: new PassThrough(), stderr, env, cwd: '/', err: () => err };
}

/** A terminal as far as readSecret can tell: isTTY and a raw-mode switch whose calls we record. */
function terminal(): PassThrough & { isTTY: boolean; rawModes: boolean[]; setRawMode(m: boolean): void } {
  const t = new PassThrough() as PassThrough & { isTTY: boolean; rawModes: boolean[]; setRawMode(m: boolean): void };
  t.isTTY = true;
  t.rawModes = [];
  t.setRawMode = (m: boolean) => void t.rawModes.push(m);
  return t;
}

describe('readSecret', () => {
  it('reads all of stdin, strips only the line end, registers it for redaction', async () => {
    const stdin = new PassThrough();
    stdin.end('  pass word with spaces \r\n');
    const x = io(stdin);
    expect(await readSecret(x, { stdin: true })).toBe('  pass word with spaces ');
    expect(redact('got   pass word with spaces  here')).toBe('got *** here');
    expect(x.err()).toBe('');
  });

  it('on a terminal: raw mode, a prompt, nothing echoed, backspace edits', async () => {
    const t = terminal();
    const x = io(t);
    const p = readSecret(x, { stdin: true }, 'PFX password');
    t.write('hunterX');
    t.write('\u007f2');
    t.write('\r');
    expect(await p).toBe('hunter2');
    expect(x.err()).toBe('PFX password: \n');
    expect(t.rawModes).toEqual([true, false]);
  });

  it('Ctrl-C on the terminal cancels', async () => {
    const t = terminal();
    const p = readSecret(io(t), { stdin: true });
    t.write('abc\u0003');
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(t.rawModes).toEqual([true, false]);
  });

  it('from an environment variable; missing, empty, both sources and bad names are usage errors', async () => {
    expect(await readSecret(io(new PassThrough(), { PW: 'from-env-1' }), { env: 'PW' })).toBe('from-env-1');
    expect(await readSecret(io(new PassThrough()), {})).toBeUndefined();
    for (const [src, env] of [[{ env: 'NOPE' }, {}], [{ env: 'PW' }, { PW: '' }], [{ env: 'bad name' }, {}], [{ env: 'PW', stdin: true }, { PW: 'x' }]] as const) {
      const e = await readSecret(io(new PassThrough(), env), src).catch((x: unknown) => x);
      expect(isDmgwError(e) && e.code).toBe('USAGE');
    }
    const empty = new PassThrough();
    empty.end('\n');
    const e = await readSecret(io(empty), { stdin: true }).catch((x: unknown) => x);
    expect(isDmgwError(e) && e.message).toBe('the password read from stdin is empty');
  });
});
