import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, memorySink, standardLogger, verboseFromEnv } from '../../../src/common/log.js';
import { forgetSecrets, registerSecret } from '../../../src/common/redact.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dmgw-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  forgetSecrets();
});

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('logger', () => {
  it('filters by level per sink and names the component', () => {
    const info = memorySink('info');
    const debug = memorySink('debug');
    const log = createLogger([info, debug], 'host', () => new Date('2026-01-02T03:04:05.000Z'));
    log.debug('d1');
    log.info('i1', { n: 1, s: 'two words', empty: undefined });
    log.child('worker').warn('w1');
    log.error('e1', { err: new Error('boom') });
    expect(info.lines).toEqual(['INFO  [host] i1 n=1 s="two words"', 'WARN  [host/worker] w1', 'ERROR [host] e1 err="boom"']);
    expect(debug.lines[0]).toBe('DEBUG [host] d1');
    expect(log.debugEnabled).toBe(true);
    expect(createLogger([info]).debugEnabled).toBe(false);
  });

  it('redacts messages and fields before anything is written', () => {
    registerSecret('Registered-Lit-42');
    const sink = memorySink('debug');
    const log = createLogger([sink]);
    log.info('connecting with Server=h;Password=pw1;Database=d');
    log.debug('effective', { connectionString: { type: 'SecureString', value: 'Server=h;Pwd=pw2' }, note: 'has Registered-Lit-42 inside', url: 'postgres://u:pw3@h/db' });
    log.error('failed', { err: new Error('auth failed for Registered-Lit-42') });
    const all = sink.lines.join('\n');
    for (const s of ['pw1', 'pw2', 'pw3', 'Registered-Lit-42']) expect(all).not.toContain(s);
    expect(all).toContain('Password=***');
  });

  it('standard logger: quiet stream, complete file (0600), verbose shows debug everywhere', () => {
    const file = join(dir, 'logs', 'dmgw.log');
    const quiet = captured();
    const log = standardLogger({ stream: quiet.stream, file, component: 'cli' });
    log.info('to the file only');
    log.debug('nowhere');
    log.warn('both');
    log.close();
    expect(quiet.text()).toBe('WARN  [cli] both\n');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}\[cli\] to the file only$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'logs')).mode & 0o777).toBe(0o700);

    const loud = captured();
    const v = standardLogger({ stream: loud.stream, file, verbose: true });
    v.debug('now visible', { password: 'pw-json' });
    v.close();
    expect(loud.text()).toMatch(/^\d{4}-\S+ DEBUG now visible password=\*\*\*\n$/);
    expect(loud.text()).not.toContain('pw-json');
    expect(readFileSync(file, 'utf8')).toContain('DEBUG now visible');
  });

  it('multi-line messages stay one entry, indented', () => {
    const sink = memorySink('info');
    createLogger([sink]).info('line one\nline two');
    expect(sink.lines).toEqual(['INFO  line one\n    line two']);
  });

  it('DMGW_VERBOSE', () => {
    expect(verboseFromEnv({ DMGW_VERBOSE: '1' })).toBe(true);
    expect(verboseFromEnv({ DMGW_VERBOSE: 'true' })).toBe(true);
    expect(verboseFromEnv({ DMGW_VERBOSE: '0' })).toBe(false);
    expect(verboseFromEnv({})).toBe(false);
  });
});
