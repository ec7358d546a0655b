/**
 * `dmgw validate` as users run it: the BUILT CLI (node dist/agent/cli.js) on the broken-factory corpus in
 * test/fixtures/broken/<case>/ (each with the exact expected stdout in expected.txt), on the walkthrough and on
 * the valid fixtures, and with usage errors. (The --json output of the same corpus: corpusJson.test.ts, in-process.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runCli, type CliResult } from '../../support/builtCli.js';

const BROKEN = join(ROOT, 'test', 'fixtures', 'broken');
const cases = readdirSync(BROKEN).filter((d) => existsSync(join(BROKEN, d, 'expected.txt'))).sort();

const run = (args: string[], cwd = ROOT): Promise<CliResult> => runCli(args, { cwd });

const summary = /^(.+): (valid|invalid) — (\d+) files?, (\d+) errors?, (\d+) warnings?\n$/;

// the bundle is rebuilt when a source is newer, under the lock the other suites use (no half-written bundle)
beforeAll(() => {
  ensureBuilt();
});

describe('dmgw validate on the broken-factory corpus', () => {
  it('has at least 25 cases, each saying what mistake it is', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const c of cases) expect(readFileSync(join(BROKEN, c, 'about.txt'), 'utf8').trim().length, c).toBeGreaterThan(10);
  });

  it.concurrent.each(cases)('%s: exact lines, exit code and summary', async (c) => {
    const dir = join(BROKEN, c);
    const expected = readFileSync(join(dir, 'expected.txt'), 'utf8');
    const r = await run(['validate'], dir);
    expect(r.stdout).toBe(expected);
    const lines = expected.split('\n').filter(Boolean);
    const errors = lines.filter((l) => /^[^ ]*: error: /.test(l) || l.startsWith('error: ')).length;
    const warnings = lines.filter((l) => / warning: /.test(l)).length;
    expect(errors + warnings).toBe(lines.length);
    expect(lines.length).toBeGreaterThan(0);
    expect(r.code).toBe(errors ? 1 : 0);
    const m = summary.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect([m![2], Number(m![4]), Number(m![5])]).toEqual([errors ? 'invalid' : 'valid', errors, warnings]);
    // every problem says how to fix it
    for (const l of lines) expect(l, c).toMatch(/ — \S/);
  });

  it('never prints a secret from the files', async () => {
    for (const c of ['plaintext-password-with-gateway', 'password-plain-string', 'securestring-password-with-gateway']) {
      const text = (await run(['validate'], join(BROKEN, c))).stdout + (await run(['validate', '--json'], join(BROKEN, c))).stdout;
      expect(text).not.toContain('Sup3rSecret!');
    }
  });
});

describe('dmgw validate on valid factories', () => {
  it('accepts the walkthrough: exit 0, nothing on stdout', async () => {
    const r = await run(['validate', 'examples/walkthrough']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'examples/walkthrough: valid — 9 files, 0 errors, 0 warnings\n' });
  });

  it('accepts the full-featured fixture (every supported type and option)', async () => {
    const r = await run(['validate', 'test/fixtures/valid/full-featured', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    // the count comes from the folder, so adding a fixture file does not need this test changed
    const dir = 'test/fixtures/valid/full-featured';
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).length;
    expect(files).toBeGreaterThan(20);
    expect(r.stderr).toBe(`${dir}: valid — ${files} files, 0 errors, 0 warnings\n`);
  });

  it('exits 0 with warnings only and names files relative to the current folder', async () => {
    const r = await run(['validate', 'test/fixtures/broken/plaintext-password-with-gateway']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^test\/fixtures\/broken\/plaintext-password-with-gateway\/linkedService\/OnPremPostgreSql\.json:10:13: warning: /);
  });
});

describe('dmgw validate usage', () => {
  it('exits 2 on an unknown option, two folders or a folder that is not there', async () => {
    const unknown = await run(['validate', '--jsno']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--jsno'");
    expect(unknown.stderr).toContain('Usage: dmgw validate [DIR] [--json]');
    const two = await run(['validate', 'a', 'b']);
    expect(two).toEqual({ code: 2, stdout: '', stderr: 'dmgw validate: expected one folder, got 2: a b — run "dmgw validate [DIR] [--json]"\n' });
    const missing = await run(['validate', 'no/such/factory']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('dmgw validate: factory folder no/such/factory does not exist — pass the folder that holds linkedService/, dataset/ and pipeline/\n');
  });

  it('prints its usage for --help and "dmgw help validate"', async () => {
    for (const args of [['validate', '--help'], ['help', 'validate']]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: dmgw validate \[DIR\] \[--json\]/);
    }
    expect((await run(['help'])).stdout).toMatch(/\n {2}validate +check a factory folder/);
  });
});
