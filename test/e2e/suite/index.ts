// Entry point VS Code calls in the extension host (`extensionTestsPath`): runs every *.test.js bundled beside it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // DMGW_E2E_GREP: only the suites and tests whose titles match (a developer's shortcut; CI runs them all)
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec', ...(process.env.DMGW_E2E_GREP ? { grep: process.env.DMGW_E2E_GREP } : {}) });
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, f));
  return new Promise((resolve, reject) => mocha.run((failed) => (failed ? reject(new Error(`${failed} VS Code test(s) failed`)) : resolve())));
}
