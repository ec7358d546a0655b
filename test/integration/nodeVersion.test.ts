/**
 * `dmgw` on a Node older than 22: one line naming the Node it needs, exit 2 — not a stack trace from inside a
 * library (undici failed to load on Node 20) or a feature that silently falls back. The built CLI is run with an
 * older node when this machine has one (Debian's /usr/bin/node is 20); the check itself is also run in a sandbox
 * with made-up versions, so it is tested where no old node exists.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../support/builtCli.js';

/** Every `node` on PATH and the system's, with its major version. */
function nodes(): Array<{ path: string; major: number }> {
  const candidates = new Set(['/usr/bin/node', '/usr/local/bin/node', ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'node'))]);
  const out: Array<{ path: string; major: number }> = [];
  for (const path of candidates) {
    const r = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0) out.push({ path, major: parseInt(r.stdout, 10) });
  }
  return out;
}

const old = nodes().find((n) => n.major < 22);

describe('dmgw on an old Node', () => {
  it.skipIf(!old)(`the built CLI on ${old?.path ?? 'an older node'} prints one line naming Node 22 and exits 2`, () => {
    const cli = ensureBuilt();
    for (const args of [['--version'], ['service', 'start'], ['run', '--factory', '.', '--pipeline', 'x']]) {
      const r = spawnSync(old!.path, [cli, ...args], { encoding: 'utf8', env: { ...process.env, DMGW_HOME: '/nonexistent' } });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^dmgw needs Node\.js 22 or newer; this is Node\.js \d+\.\d+\.\d+ \(.*node\)/);
    }
  });

  it('the check is the first statement of the bundle, after "use strict"', () => {
    const text = readFileSync(ensureBuilt(), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/usr/bin/env node');
    expect(lines[1]).toBe('"use strict";');
    expect(text.indexOf('dmgw needs Node.js')).toBeLessThan(text.indexOf('__create'));
  });

  it.each([
    ['20.20.2', 2],
    ['18.0.0', 2],
    ['21.99.0', 2],
    ['22.0.0', undefined],
    ['24.21.0', undefined],
  ])('Node %s: exit %s', (version, code) => {
    const lines: string[] = [];
    let exited: number | undefined;
    const process = { versions: { node: version }, execPath: '/opt/node/bin/node', stderr: { write: (s: string) => lines.push(s) }, exit: (c: number) => (exited = c) };
    runInNewContext(readFileSync(join(ROOT, 'src/agent/requireNode.js'), 'utf8'), { process });
    expect(exited).toBe(code);
    expect(lines).toEqual(code ? [`dmgw needs Node.js 22 or newer; this is Node.js ${version} (/opt/node/bin/node): install Node.js 22 or 24 and run dmgw with it\n`] : []);
  });
});
