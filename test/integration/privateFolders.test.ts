/**
 * The gateway home and the service's data folder hold private keys and tokens: found open to other accounts (0755
 * from a umask, an archive, a hand-made folder), each is tightened to 0700 when opened, and what changed is logged.
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayHome } from '../../src/agent/config/home.js';
import { ensureBuilt, runCli } from '../support/builtCli.js';
import { startTestService, tempDir } from '../support/factoryService.js';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe.skipIf(process.platform === 'win32')('private folders', () => {
  it('a gateway home that is 0755 is made 0700 by the next dmgw command that writes to it, and the log says so', async () => {
    ensureBuilt();
    const home = tempDir('dmgw-loose-home');
    mkdirSync(join(home, 'logs'), { mode: 0o700 });
    chmodSync(home, 0o755);
    const r = await runCli(['config', 'set', 'update.schedule', 'off'], { env: { ...process.env, DMGW_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(home)).toBe('700');
    expect(r.stderr).toMatch(new RegExp(`WARN  \\[home\\] the gateway home ${home} was mode 0755, open to other accounts; made it 0700`));
    expect(readFileSync(join(home, 'logs', 'dmgw.log'), 'utf8')).toContain(`the gateway home ${home} was mode 0755`);
    // once tight, nothing more is said
    const again = await runCli(['config', 'set', 'update.schedule', 'daily 02:30'], { env: { ...process.env, DMGW_HOME: home } });
    expect(again.stderr).not.toContain('made it 0700');
  });

  it('a folder of the home that is 0777 is tightened when it is opened', () => {
    const home = tempDir('dmgw-loose-sub');
    const keys = new GatewayHome(home).trustedReleaseKeysDir;
    mkdirSync(keys);
    chmodSync(keys, 0o777);
    new GatewayHome(home).ensure(keys);
    expect(mode(keys)).toBe('700');
  });

  it('a service data folder that is 0750 is made 0700 at start, and the service logs it', async () => {
    const data = tempDir('dmgw-loose-data');
    chmodSync(data, 0o750);
    const svc = await startTestService({ dataDir: data });
    try {
      expect(mode(data)).toBe('700');
      expect(svc.logs.some((l) => l.includes(`warn  the service data folder ${data} was mode 0750, open to other accounts; made it 0700`))).toBe(true);
    } finally {
      await svc.close();
    }
  });
});
