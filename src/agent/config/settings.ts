/**
 * The gateway's own settings (`DMGW_HOME/settings.json`, set with `dmgw config`): what a node decides for itself,
 * as opposed to what the service hands it. Every key is declared here with its default and its check, so a typo is
 * an error naming the keys there are, and the host and the commands read one parsed, valid shape.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { DmgwError } from '../../common/errors.js';
import type { GatewayHome } from './home.js';
import { parseUpdateSchedule } from './updateSchedule.js';

export interface GatewaySettings {
  /** The credential endpoint's port; absent = off. */
  'credentialEndpoint.port'?: number;
  /** Address it binds; loopback unless opened to the LAN on purpose. */
  'credentialEndpoint.host': string;
  /** When the host may update itself: `Sun 03:00`, `daily 02:30` or `off` (local time; a 60-minute window). */
  'update.schedule': string;
}

export const DEFAULT_SETTINGS: GatewaySettings = { 'credentialEndpoint.host': '127.0.0.1', 'update.schedule': 'Sun 03:00' };

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
};
export const SETTING_KEYS = Object.keys(CHECKS) as Key[];

export function parsePort(raw: string, field: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new DmgwError('USAGE', `${field} must be a TCP port from 0 to 65535, not "${raw}"`, { field }, 'the credential endpoint of ADF\'s integration runtime uses 8060; 0 picks a free port');
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
  else current[k] = CHECKS[k](value);
  home.ensure();
  const tmp = `${home.settingsFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, home.settingsFile);
  return current[k];
}
