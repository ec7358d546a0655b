/**
 * The gateway's own settings (`DMGW_HOME/settings.json`, set with `dmgw config`): what a node decides for itself,
 * as opposed to what the service hands it. Every key is declared here with its default and its check, so a typo is
 * an error naming the keys there are, and the host and the commands read one parsed, valid shape.
 */
import { chmodSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import { isWithin, protectedAncestor } from '../../common/protectedFolder.js';
import type { GatewayHome } from './home.js';
import { parseUpdateSchedule } from './updateSchedule.js';

export interface GatewaySettings {
  /** The credential endpoint's port; absent = off. */
  'credentialEndpoint.port'?: number;
  /** Address it binds; loopback unless opened to the LAN on purpose. */
  'credentialEndpoint.host': string;
  /** When the host may update itself: `Sun 03:00`, `daily 02:30` or `off` (local time; a 60-minute window). */
  'update.schedule': string;
  /**
   * The folders FileServer linked services may read and write below (absolute, comma-separated); absent = none: every
   * file access fails. The gateway home and service data folders stay closed even inside one (connectors/fileRoots.ts).
   */
  'fileSystem.allowedRoots'?: string;
  /** The Prometheus endpoint's port (`/metrics`, plain HTTP); absent = off. */
  'metrics.port'?: number;
  /** Address it binds; loopback unless opened on purpose (the numbers tell how busy the node is, never a secret). */
  'metrics.host': string;
  /** `logs/dmgw.log` is rotated when it grows past this many MiB (dmgw.log.1, .2, ...). */
  'logs.maxFileMb': number;
  /** How many rotated files are kept beside dmgw.log; the oldest goes. The cap is (maxFiles + 1) × maxFileMb. */
  'logs.maxFiles': number;
}

export const DEFAULT_SETTINGS: GatewaySettings = { 'credentialEndpoint.host': '127.0.0.1', 'update.schedule': 'Sun 03:00', 'metrics.host': '127.0.0.1', 'logs.maxFileMb': 10, 'logs.maxFiles': 5 };

type Key = keyof GatewaySettings;
const CHECKS: Record<Key, (raw: string) => string | number> = {
  'credentialEndpoint.port': (raw) => parsePort(raw, 'credentialEndpoint.port'),
  'credentialEndpoint.host': (raw) => {
    if (!isIP(raw)) throw new DmgwError('USAGE', `credentialEndpoint.host must be an IP address to bind, not "${raw}"`, { field: 'credentialEndpoint.host' }, 'use 127.0.0.1 (this machine only) or the LAN address of this machine (0.0.0.0: every interface)');
    return raw;
  },
  'update.schedule': (raw) => {
    parseUpdateSchedule(raw, 'update.schedule');
    return raw.trim();
  },
  'fileSystem.allowedRoots': (raw) => parseAllowedRoots(raw).join(','),
  'metrics.port': (raw) => parsePort(raw, 'metrics.port', 'Prometheus exporters commonly use 9100-9999; 0 picks a free port'),
  'metrics.host': (raw) => {
    if (!isIP(raw)) throw new DmgwError('USAGE', `metrics.host must be an IP address to bind, not "${raw}"`, { field: 'metrics.host' }, 'use 127.0.0.1 (this machine only) or the address your Prometheus scrapes (0.0.0.0: every interface)');
    return raw;
  },
  'logs.maxFileMb': (raw) => {
    const n = Number(raw);
    if (!/^\d+(\.\d{1,3})?$/.test(raw.trim()) || n < 0.001 || n > 1024) throw new DmgwError('USAGE', `logs.maxFileMb must be a number of MiB from 0.001 to 1024, not "${raw}"`, { field: 'logs.maxFileMb' }, 'the default is 10');
    return n;
  },
  'logs.maxFiles': (raw) => parseCount(raw, 'logs.maxFiles', 1, 100),
};

function parseCount(raw: string, field: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new DmgwError('USAGE', `${field} must be a whole number from ${min} to ${max}, not "${raw}"`, { field });
  return n;
}

const ROOTS_HINT = 'give absolute folders, separated by commas: dmgw config set fileSystem.allowedRoots /data/exports,/srv/share';

/** `A, B/` → the absolute folders, normalised (no trailing slash, no `..`), each once. */
export function parseAllowedRoots(raw: string): string[] {
  const roots = raw.split(',').map((r) => r.trim()).filter(Boolean);
  if (!roots.length) throw new DmgwError('USAGE', 'fileSystem.allowedRoots needs at least one folder', { field: 'fileSystem.allowedRoots' }, `${ROOTS_HINT}; \`dmgw config unset fileSystem.allowedRoots\` closes them all`);
  for (const r of roots) if (!isAbsolute(r)) throw new DmgwError('USAGE', `"${r}" is not an absolute path`, { field: 'fileSystem.allowedRoots' }, ROOTS_HINT);
  return [...new Set(roots.map((r) => resolve(r)))];
}

/**
 * What only setting (not reading) a value checks: each allowed root exists now, and lies neither inside this
 * gateway's home nor inside a folder marked protected (another home, a service data folder) — those stay closed
 * anyway, and opening one is surely a mistake. A root deleted later is not an invalid settings file.
 */
function checkOnSet(home: GatewayHome, key: Key, value: string | number): void {
  if (key !== 'fileSystem.allowedRoots') return;
  const homeReal = realOrSelf(home.root);
  for (const root of String(value).split(',')) {
    const place = { field: 'fileSystem.allowedRoots' };
    let real: string;
    try {
      real = realpathSync(root);
      if (!statSync(real).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new DmgwError('USAGE', `${root} is not an existing folder`, place, 'create it first, or fix the path');
    }
    const inside = isWithin(real, homeReal) ? home.root : protectedAncestor(real);
    if (inside) throw new DmgwError('USAGE', `${root} lies inside ${inside}, a gateway home or service data folder, which no pipeline may read or write`, place, 'allow a folder that holds only data to copy');
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export const SETTING_KEYS = Object.keys(CHECKS) as Key[];

export function parsePort(raw: string, field: string, hint = 'the credential endpoint of ADF\'s integration runtime uses 8060; 0 picks a free port'): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new DmgwError('USAGE', `${field} must be a TCP port from 0 to 65535, not "${raw}"`, { field }, hint);
  return n;
}

/** Checks one value for a key (command-line flags that override a setting use this too). */
export function checkSetting(key: string, raw: string): string | number {
  return CHECKS[checkKey(key)](raw);
}

function checkKey(key: string): Key {
  if (!(SETTING_KEYS as string[]).includes(key)) throw new DmgwError('USAGE', `unknown setting "${key}"`, { field: key }, `settings are: ${SETTING_KEYS.join(', ')}`);
  return key as Key;
}

/** What the user set (no defaults), checked again so a hand-edited file cannot smuggle in a bad value. */
export function readUserSettings(home: GatewayHome): Partial<Record<Key, string | number>> {
  let raw: string;
  try {
    raw = readFileSync(home.settingsFile, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new DmgwError('SETTINGS_INVALID', `not valid JSON (${(e as Error).message})`, { file: home.settingsFile }, 'fix the file, or remove it and set the values again with `dmgw config set`');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new DmgwError('SETTINGS_INVALID', 'the settings file must hold one JSON object', { file: home.settingsFile });
  const out: Partial<Record<Key, string | number>> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    try {
      out[checkKey(k)] = CHECKS[k as Key](String(v));
    } catch (e) {
      throw new DmgwError('SETTINGS_INVALID', (e as Error).message, { file: home.settingsFile, field: k }, '`dmgw config set KEY VALUE` writes a checked value; `dmgw config unset KEY` removes it');
    }
  }
  return out;
}

export function readSettings(home: GatewayHome): GatewaySettings {
  return { ...DEFAULT_SETTINGS, ...readUserSettings(home) } as GatewaySettings;
}

/** Sets (or with `value` undefined, removes) one key; returns the stored value. */
export function writeSetting(home: GatewayHome, key: string, value: string | undefined): string | number | undefined {
  const k = checkKey(key);
  const current = readUserSettings(home);
  if (value === undefined) delete current[k];
  else {
    current[k] = CHECKS[k](value);
    checkOnSet(home, k, current[k]);
  }
  home.ensure();
  const tmp = `${home.settingsFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, home.settingsFile);
  return current[k];
}
