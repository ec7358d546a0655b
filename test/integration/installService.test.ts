/**
 * `dmgw install-service` through the built CLI. No systemd runs as PID 1 on these machines (nor in CI), so nothing is
 * enabled or started here: the unit is generated into a temporary folder (`--unit-dir`) and checked by systemd itself —
 * `systemd-analyze verify` (Debian's systemd package; scripts/services.sh installs it) must accept it without a single
 * warning (it exits 0 even on ignored settings, so the output is checked too), and `systemd-analyze security
 * --offline` must rate its sandbox OK. A home whose allowed roots hold a space and a `%` shows the quoting.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/builtCli.js';
import { tempDir } from '../support/factoryService.js';
import { allowFileRoots } from '../support/gatewayHome.js';

const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim();
if (!analyze) {
  if (process.env.CI === 'true') throw new Error('systemd-analyze is missing: CI needs it (scripts/services.sh installs Debian\'s systemd package)');
  console.warn('SKIP: systemd-analyze is not installed (apt-get install systemd)');
}
const CLI = ensureBuilt();
const dmgw = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

describe.skipIf(!analyze)('dmgw install-service (systemd unit, checked by systemd-analyze)', () => {
  it('writes a unit systemd accepts without a warning: dmgw launch as the service user, home and allowed roots writable, sandboxed', () => {
    const home = join(tempDir('dmgw-svc-home'), 'home');
    const roots = [join(tempDir('dmgw-svc-roots'), 'exports'), join(tempDir('dmgw-svc-roots'), 'data 100%')];
    for (const r of roots) mkdirSync(r);
    mkdirSync(home, { mode: 0o700 });
    allowFileRoots(home, ...roots);
    const units = tempDir('dmgw-units');
    const r = dmgw(['install-service', '--unit-dir', units, '--home', home, '--user', 'gateway']);
    expect(r.status, r.stderr).toBe(0);
    const file = join(units, 'dmgw.service');
    const unit = readFileSync(file, 'utf8');
    const v = spawnSync(analyze, ['verify', file], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(`${v.stdout}${v.stderr}`).toBe('');
    const lines = unit.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'User=gateway',
        `Environment=DMGW_HOME=${home}`,
        `ExecStart=${process.execPath} ${CLI} launch`,
        'Restart=on-failure',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'KillMode=mixed',
        `ReadWritePaths=${home} ${roots[0]} "${roots[1]!.replace('%', '%%')}"`,
        'WantedBy=multi-user.target',
      ]),
    );
    const sec = spawnSync(analyze, ['security', '--offline=yes', file], { encoding: 'utf8' });
    expect(sec.stdout).toMatch(/Overall exposure level for dmgw\.service: \d+\.\d OK/);
  });

  it('a home under /var/lib is also the unit\'s StateDirectory', () => {
    const units = tempDir('dmgw-units');
    expect(dmgw(['install-service', '--unit-dir', units, '--home', '/var/lib/dmgw-test-never-made']).status).toBe(0);
    const unit = readFileSync(join(units, 'dmgw.service'), 'utf8');
    expect(unit).toContain('StateDirectory=dmgw-test-never-made\nStateDirectoryMode=0700');
    expect(existsSync('/var/lib/dmgw-test-never-made')).toBe(false);
    const v = spawnSync(analyze, ['verify', join(units, 'dmgw.service')], { encoding: 'utf8' });
    expect(`${v.status} ${v.stdout}${v.stderr}`).toBe('0 ');
  });

  it('--dry-run prints the unit and every command it would run, and changes nothing', () => {
    const home = join(tempDir('dmgw-svc-home'), 'not-yet');
    const r = dmgw(['install-service', '--dry-run', '--home', home, '--user', 'dmgw-never-created']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ExecStart=');
    expect(r.stdout).toContain('#   useradd --system --user-group --home-dir');
    expect(r.stdout).toContain(`#   write /etc/systemd/system/dmgw.service`);
    expect(r.stdout).toContain('#   systemctl enable --now dmgw.service');
    expect(existsSync(home)).toBe(false);
    expect(spawnSync('id', ['-u', 'dmgw-never-created']).status).not.toBe(0);
  });

  it('uninstall-service removes the unit; a second time says it is not installed; a bad user name is a usage error', () => {
    const units = tempDir('dmgw-units');
    expect(dmgw(['install-service', '--unit-dir', units, '--home', tempDir('dmgw-h')]).status).toBe(0);
    expect(dmgw(['uninstall-service', '--unit-dir', units, '--dry-run']).stdout).toContain(`#   remove ${join(units, 'dmgw.service')}`);
    expect(existsSync(join(units, 'dmgw.service'))).toBe(true);
    expect(dmgw(['uninstall-service', '--unit-dir', units]).status).toBe(0);
    expect(existsSync(join(units, 'dmgw.service'))).toBe(false);
    const again = dmgw(['uninstall-service', '--unit-dir', units]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('the service is not installed here');
    const bad = dmgw(['install-service', '--unit-dir', units, '--user', 'Bad User']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/"Bad User" is not a user name .* --user dmgw/);
  });
});
