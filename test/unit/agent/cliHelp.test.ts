// `--help` and `-h` on every dmgw command and sub-command print its help and exit 0, and run nothing: the test walks
// the command table (and the sub-commands each usage names), so a new command is covered without editing it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dmgwInProcess } from '../../support/builtCli.js';
import '../../../src/agent/cli.js'; // registers the command table
import { commands } from '../../../src/agent/commands/index.js';

const home = mkdtempSync(join(tmpdir(), 'dmgw-help-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const dmgw = (args: string[]) => dmgwInProcess(args, { DMGW_HOME: home }, home);

/** The sub-commands a usage names: `dmgw cert new ...` → new. */
function subCommands(name: string, usage: string): string[] {
  const re = new RegExp(`^\\s*dmgw ${name} ([a-z][\\w-]*)`, 'gm');
  return [...new Set([...usage.matchAll(re)].map((m) => m[1]!))];
}

describe('dmgw --help', () => {
  it('the table has the commands the issue names, and cert and gateway have sub-commands', () => {
    const names = commands.map((c) => c.name);
    for (const n of ['run', 'cert', 'gateway', 'validate', 'encrypt']) expect(names).toContain(n);
    expect(subCommands('cert', commands.find((c) => c.name === 'cert')!.usage)).toEqual(expect.arrayContaining(['new', 'show', 'export', 'import', 'check']));
    expect(subCommands('gateway', commands.find((c) => c.name === 'gateway')!.usage).length).toBeGreaterThan(3);
  });

  for (const c of commands) {
    for (const flag of ['--help', '-h']) {
      it(`dmgw ${c.name} ${flag}`, async () => {
        const r = await dmgw([c.name, flag]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(`${c.usage}\n`);
      });
    }
    for (const sub of subCommands(c.name, c.usage)) {
      it(`dmgw ${c.name} ${sub} --help / -h`, async () => {
        for (const flag of ['--help', '-h']) {
          const r = await dmgw([c.name, sub, flag]);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          expect(r.stdout).toMatch(new RegExp(`dmgw ${c.name} ${sub}\\b`));
        }
        // with other arguments around it, too
        const r = await dmgw([c.name, sub, '--json', '--help']);
        expect(r.code).toBe(0);
      });
    }
  }

  it('help ran nothing: the gateway home is still empty', () => {
    expect(readdirSync(home)).toEqual([]);
  });

  it('after --, -h is an argument, not a request for help', async () => {
    const r = await dmgw(['cert', 'nosuch', '--', '-h']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown sub-command "nosuch"/);
  });
});
