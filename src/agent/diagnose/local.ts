/**
 * Checks of this machine and the gateway home: Node version, the home's permissions and the files that must stay
 * private, free disk, the gateway certificate's validity, the settings, agent updates, and whether the host runs.
 */
import { accessSync, constants, existsSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore, keyFileMode } from '../cert/store.js';
import { registrationFile } from '../channel/registration.js';
import type { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { readHostState } from '../host/hostState.js';
import { runningHostPid } from '../host/lock.js';
import { proxyFile } from '../proxy/proxySettings.js';
import { NO_TRUSTED_KEY, trustedKeys } from '../update/trustStore.js';
import { fail, ok, skip, warn, type Check } from './check.js';

const DAY = 86_400_000;
const MiB = 1048576;

export function nodeVersion(version = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  const c = { id: 'node-version', group: 'agent' as const, title: 'Node.js version' };
  return major >= 22 ? ok({ ...c, detail: `Node.js ${version}` }) : fail({ ...c, detail: `Node.js ${version} is older than 22, the oldest this agent supports`, fix: 'install Node.js 22 or newer (the LTS release), then start the host again' });
}

/** The home is 0700 and its secrets 0600: whoever reads them holds the gateway's keys and credentials. */
export function homePermissions(home: GatewayHome): Check {
  const c = { id: 'home-permissions', group: 'agent' as const, title: 'Gateway home permissions' };
  if (!home.exists()) return fail({ ...c, detail: `${home.root} does not exist`, fix: 'register the node (`dmgw register KEY`), which makes the home, or set DMGW_HOME to the right folder' });
  const st = statSync(home.root);
  const problems: string[] = [];
  const fixes: string[] = [];
  if (st.mode & 0o077) {
    problems.push(`${home.root} is mode ${(st.mode & 0o777).toString(8)}: other accounts can look inside`);
    fixes.push(`chmod 700 ${home.root}`);
  }
  if (process.getuid && st.uid !== process.getuid()) problems.push(`${home.root} belongs to uid ${st.uid}, this process runs as uid ${process.getuid()}`);
  try {
    accessSync(home.root, constants.W_OK);
  } catch {
    problems.push(`${home.root} is not writable by this account`);
    fixes.push('run dmgw as the account that owns the home (the service user), or chown it to that account');
  }
  const store = new CertificateStore(home);
  const privateFiles = [
    ...store.list().map((x) => join(home.certificateDir(x.info.thumbprint), 'private-key.pem')),
    registrationFile(home),
    home.settingsFile,
    proxyFile(home),
    home.credentialEndpointTokenFile,
    home.credentialEndpointTlsKeyFile,
  ];
  for (const f of privateFiles) {
    const mode = existsSync(f) ? keyFileMode(f) : undefined;
    if (mode !== undefined && mode & 0o077) {
      problems.push(`${f} is mode ${mode.toString(8)}`);
      fixes.push(`chmod 600 ${f}`);
    }
  }
  if (!problems.length) return ok({ ...c, detail: `${home.root} is 0700 and owned by this account; private keys, the registration and tokens are 0600` });
  const severe = problems.some((p) => !p.includes('belongs to uid'));
  return (severe ? fail : warn)({ ...c, detail: problems.join('; '), fix: fixes.join('; ') || 'run dmgw as the account that owns the home' });
}

export function freeDisk(home: GatewayHome): Check {
  const c = { id: 'disk-space', group: 'agent' as const, title: 'Free disk space' };
  const places = [...new Set([home.exists() ? home.root : undefined, tmpdir()].filter(Boolean) as string[])];
  const found = places.map((p) => {
    const s = statfsSync(p);
    return { p, free: s.bavail * s.bsize };
  });
  const low = found.filter((f) => f.free < 1024 * MiB);
  const detail = found.map((f) => `${f.p}: ${(f.free / 1024 / MiB).toFixed(1)} GiB free`).join('; ');
  if (!low.length) return ok({ ...c, detail });
  const fix = 'free space there: logs rotate (logs.maxFileMb, logs.maxFiles), old agent versions sit in DMGW_HOME/versions, and file copies spool to the temp folder (TMPDIR)';
  return (low.some((f) => f.free < 100 * MiB) ? fail : warn)({ ...c, detail, fix });
}

export function gatewayCertificate(home: GatewayHome, now = new Date()): Check {
  const c = { id: 'gateway-certificate', group: 'agent' as const, title: 'Gateway certificate' };
  let cert;
  try {
    cert = new CertificateStore(home).current();
  } catch (e) {
    return fail({ ...c, detail: (e as Error).message, fix: 'restore the home from a backup, or import the gateway certificate again: dmgw cert import F.pfx --password-stdin' });
  }
  if (!cert) return fail({ ...c, detail: 'this home has no gateway certificate: no credential can be decrypted here', fix: 'dmgw register KEY makes one; or import the gateway\'s: dmgw cert import F.pfx --password-stdin' });
  const days = Math.floor((cert.info.notAfter.getTime() - now.getTime()) / DAY);
  const detail = `${cert.info.thumbprint.slice(0, 16)}… ${cert.info.subject}, valid until ${cert.info.notAfter.toISOString()} (${days} days)`;
  const fix = 'make a new one (dmgw cert new --replace), register again so the service encrypts for it, and re-encrypt linked services (dmgw cert check DIR lists them); decryption does not look at validity, but keep it current';
  if (days < 0) return warn({ ...c, detail: `${detail}: expired`, fix });
  if (days < 30) return warn({ ...c, detail: `${detail}: expires soon`, fix });
  return ok({ ...c, detail });
}

export function settingsCheck(home: GatewayHome): Check {
  const c = { id: 'settings', group: 'agent' as const, title: 'Settings' };
  let s;
  try {
    s = readSettings(home);
  } catch (e) {
    return fail({ ...c, detail: (e as Error).message, fix: '`dmgw config set KEY VALUE` writes a checked value; `dmgw config unset KEY` removes a bad one' });
  }
  const roots = (s['fileSystem.allowedRoots'] ?? '').split(',').filter(Boolean);
  const missing = roots.filter((r) => !existsSync(r));
  const notWritable = roots.filter((r) => existsSync(r) && !writable(r));
  const detail = `file roots: ${roots.length ? roots.join(', ') : 'none (FileServer access is closed)'}; metrics: ${s['metrics.port'] === undefined ? 'off' : `${s['metrics.host']}:${s['metrics.port']}`}; update schedule: ${s['update.schedule']}`;
  if (missing.length) return warn({ ...c, detail: `${detail}; missing: ${missing.join(', ')}`, fix: 'create them, or remove them: dmgw config set fileSystem.allowedRoots ...' });
  // under systemd, a root outside the unit's ReadWritePaths is read-only (ProtectSystem=strict)
  if (notWritable.length) return warn({ ...c, detail: `${detail}; not writable by this account: ${notWritable.join(', ')}`, fix: 'sinks cannot write there: fix the folder\'s owner, or run dmgw install-service again after changing fileSystem.allowedRoots (it lists them as ReadWritePaths)' });
  return ok({ ...c, detail });
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function updatesCheck(home: GatewayHome): Check {
  const c = { id: 'agent-updates', group: 'agent' as const, title: 'Agent updates' };
  const keys = trustedKeys(home);
  if (!keys.length) return warn({ ...c, detail: NO_TRUSTED_KEY, fix: 'trust the release authority\'s public key: dmgw update trust add release-public-key.pem' });
  const notice = readHostState(home)?.updateNotice;
  if (notice && notice.kind !== 'waiting') return warn({ ...c, detail: `${notice.message} (${notice.at})`, fix: notice.kind === 'refused' ? 'the node refused an offered release: publish one signed by a key this node trusts, newer than the running version' : 'the host tries again at a later offer; check the connection to the service' });
  return ok({ ...c, detail: `release keys trusted: ${keys.map((k) => k.id.slice(0, 16)).join(', ')}` });
}

export function hostCheck(home: GatewayHome, registered: boolean): Check {
  const c = { id: 'host', group: 'registration' as const, title: 'Host process' };
  const pid = runningHostPid(home);
  const st = readHostState(home);
  if (!pid) return registered ? warn({ ...c, detail: 'the host is not running: this node takes no jobs', fix: 'dmgw start (or, installed as a service: systemctl start dmgw)' }) : skip({ ...c, detail: 'not registered' });
  if (st?.pid !== pid) return ok({ ...c, detail: `running (pid ${pid}), status not written yet` });
  const detail = `running (pid ${pid}), ${st.status}${st.message ? `: ${st.message}` : ''}${st.lastContactAt ? `, last contact ${st.lastContactAt}` : ''}`;
  if (st.status === 'Online' || st.status === 'Upgrading' || st.status === 'Starting') return ok({ ...c, detail });
  return fail({ ...c, detail, fix: st.status === 'NeedRegistration' ? 'register the node again with a current key: dmgw gateway keys NAME --key authKey1 | dmgw register --key-stdin' : 'see the connection checks below and the log (dmgw logs)' });
}
