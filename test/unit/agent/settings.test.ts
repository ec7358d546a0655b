import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { readSettings, writeSetting } from '../../../src/agent/config/settings.js';
import { inUpdateWindow, nextUpdateWindow, parseUpdateSchedule } from '../../../src/agent/config/updateSchedule.js';
import { PROTECTED_MARKER } from '../../../src/common/protectedFolder.js';
import { FailedAttempts } from '../../../src/agent/credentialEndpoint/failedAttempts.js';
import { tokenMatches } from '../../../src/agent/credentialEndpoint/token.js';

const home = () => new GatewayHome(mkdtempSync(join(tmpdir(), 'dmgw-settings-')));

describe('gateway settings', () => {
  it('defaults, set, unset; the file is 0600 and holds only what was set', () => {
    const h = home();
    expect(readSettings(h)).toEqual({ 'credentialEndpoint.host': '127.0.0.1', 'update.schedule': 'Sun 03:00', 'metrics.host': '127.0.0.1', 'logs.maxFileMb': 10, 'logs.maxFiles': 5 });
    expect(writeSetting(h, 'credentialEndpoint.port', '8060')).toBe(8060);
    expect(writeSetting(h, 'update.schedule', 'daily 02:30')).toBe('daily 02:30');
    expect(JSON.parse(readFileSync(h.settingsFile, 'utf8'))).toEqual({ 'credentialEndpoint.port': 8060, 'update.schedule': 'daily 02:30' });
    expect(statSync(h.settingsFile).mode & 0o777).toBe(0o600);
    writeSetting(h, 'credentialEndpoint.port', undefined);
    expect(readSettings(h)['credentialEndpoint.port']).toBeUndefined();
  });

  it('refuses unknown keys and bad values, naming what is allowed; a hand-edited bad file names the file and key', () => {
    const h = home();
    expect(() => writeSetting(h, 'credentialEndpoint.prot', '1')).toThrow(/unknown setting "credentialEndpoint.prot"/);
    expect(() => writeSetting(h, 'credentialEndpoint.port', '70000')).toThrow(/0 to 65535/);
    expect(() => writeSetting(h, 'credentialEndpoint.host', 'my-host')).toThrow(/IP address/);
    expect(() => writeSetting(h, 'update.schedule', 'Sun 25:00')).toThrow(/DAY HH:MM/);
    expect(() => writeSetting(h, 'metrics.port', 'ninety')).toThrow(/metrics\.port must be a TCP port/);
    expect(() => writeSetting(h, 'metrics.host', 'localhost')).toThrow(/metrics\.host must be an IP address/);
    expect(() => writeSetting(h, 'logs.maxFileMb', '0')).toThrow(/logs\.maxFileMb must be a number of MiB from 0\.001 to 1024/);
    expect(() => writeSetting(h, 'logs.maxFiles', '1000')).toThrow(/logs\.maxFiles must be a whole number from 1 to 100/);
    h.ensure();
    writeFileSync(h.settingsFile, '{"update.schedule": "sometimes"}');
    expect(() => readSettings(h)).toThrow(/sometimes/);
  });
});

describe('fileSystem.allowedRoots', () => {
  it('absolute folders, normalised and each once; checked to exist and to lie in no home only when set', () => {
    const h = home();
    const dir = mkdtempSync(join(tmpdir(), 'dmgw-roots-'));
    expect(writeSetting(h, 'fileSystem.allowedRoots', ` ${dir}/ , ${dir}/x/.. ,${tmpdir()}`)).toBe(`${dir},${tmpdir()}`);
    expect(() => writeSetting(h, 'fileSystem.allowedRoots', 'relative/dir')).toThrow(/"relative\/dir" is not an absolute path/);
    expect(() => writeSetting(h, 'fileSystem.allowedRoots', ' , ')).toThrow(/at least one folder/);
    expect(() => writeSetting(h, 'fileSystem.allowedRoots', join(dir, 'missing'))).toThrow(/is not an existing folder/);
    // this home, even without its marker
    rmSync(join(h.root, PROTECTED_MARKER));
    expect(() => writeSetting(h, 'fileSystem.allowedRoots', h.root)).toThrow(/lies inside .*, a gateway home or service data folder/);
    // a root removed later leaves the file valid (the run says the host is outside the allowed folders)
    rmSync(dir, { recursive: true });
    expect(readSettings(h)['fileSystem.allowedRoots']).toBe(`${dir},${tmpdir()}`);
  });
});

describe('update schedule', () => {
  it('parses weekly, daily and off', () => {
    expect(parseUpdateSchedule('Sun 03:00')).toEqual({ off: false, day: 0, minute: 180 });
    expect(parseUpdateSchedule('wednesday 23:59')).toEqual({ off: false, day: 3, minute: 1439 });
    expect(parseUpdateSchedule('daily 2:30')).toEqual({ off: false, day: undefined, minute: 150 });
    expect(parseUpdateSchedule('OFF')).toEqual({ off: true });
    expect(() => parseUpdateSchedule('Sunday')).toThrow();
    expect(() => parseUpdateSchedule('Xyz 03:00')).toThrow();
  });

  it('a 60-minute window, across midnight and the week end', () => {
    const sun = parseUpdateSchedule('Sun 03:00');
    expect(inUpdateWindow(sun, new Date(2026, 4, 3, 3, 0))).toBe(true); // 2026-05-03 is a Sunday
    expect(inUpdateWindow(sun, new Date(2026, 4, 3, 3, 59))).toBe(true);
    expect(inUpdateWindow(sun, new Date(2026, 4, 3, 4, 0))).toBe(false);
    expect(inUpdateWindow(sun, new Date(2026, 4, 4, 3, 30))).toBe(false);
    const late = parseUpdateSchedule('Sat 23:30');
    expect(inUpdateWindow(late, new Date(2026, 4, 3, 0, 15))).toBe(true);
    expect(inUpdateWindow(parseUpdateSchedule('off'), new Date())).toBe(false);
    expect(nextUpdateWindow(sun, new Date(2026, 4, 3, 3, 30))).toEqual(new Date(2026, 4, 10, 3, 0));
    expect(nextUpdateWindow(parseUpdateSchedule('daily 02:00'), new Date(2026, 4, 3, 3, 30))).toEqual(new Date(2026, 4, 4, 2, 0));
  });
});

describe('credential endpoint guards', () => {
  it('token comparison and the failed-attempt limit', () => {
    expect(tokenMatches('dmgwc_abc', 'dmgwc_abc')).toBe(true);
    expect(tokenMatches('dmgwc_abd', 'dmgwc_abc')).toBe(false);
    expect(tokenMatches(undefined, 'dmgwc_abc')).toBe(false);
    const f = new FailedAttempts(3, 60_000);
    for (let i = 0; i < 3; i++) f.fail('10.0.0.1', 1000 + i);
    expect(f.blockedFor('10.0.0.1', 2000)).toBe(59);
    expect(f.blockedFor('10.0.0.2', 2000)).toBe(0);
    expect(f.blockedFor('10.0.0.1', 61_001)).toBe(0);
  });
});
