/**
 * A support bundle (`dmgw logs bundle`, `dmgw logs send`): what support needs to see why a node misbehaves, and
 * nothing that would let anyone act as it. Made from an allow-list, never by copying the home: the logs and their
 * rotations, the settings, the proxy (URL, user, whether a password is set), versions, `dmgw status`, the
 * certificates' public facts, the last health report. Every text passes through the redaction layer with the home's
 * own secrets registered first (node credential, proxy password, credential endpoint token), and the bundle is
 * refused if one of them is still in it. Never in it: private keys, registration.json, tokens, job payloads, data.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { arch, hostname, platform, release } from 'node:os';
import { basename, join } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import { redact, redactDeep, registerSecret } from '../../common/redact.js';
import { tarGz, type TarEntry } from '../../common/tar.js';
import { VERSION } from '../../common/version.js';
import { CertificateStore } from '../cert/store.js';
import { machineInfo } from '../channel/machine.js';
import { nodeToken, readRegistration } from '../channel/registration.js';
import { gatewayStatus } from '../commands/status.js';
import type { GatewayHome } from '../config/home.js';
import { readSettings, readUserSettings } from '../config/settings.js';
import { readEndpointToken } from '../credentialEndpoint/token.js';
import { healthReportFile, runDiagnose } from '../diagnose/index.js';
import { readStored, storedProxy } from '../proxy/proxySettings.js';
import { trustedKeys } from '../update/trustStore.js';
import { readCurrentVersion } from '../update/versions.js';
import { logFiles } from './reader.js';

export interface SupportBundle {
  /** the .tar.gz */
  bytes: Buffer;
  /** top folder inside the archive */
  folder: string;
  files: string[];
}

export async function supportBundle(home: GatewayHome, env: NodeJS.ProcessEnv, o: { diagnose: boolean }): Promise<SupportBundle> {
  const secrets = await homeSecrets(home);
  if (o.diagnose) await runDiagnose({ home, env });
  const reg = safe(() => readRegistration(home));
  const folder = `dmgw-support-${(reg?.nodeName ?? hostname()).replace(/[^A-Za-z0-9_.-]/g, '_')}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  const entries: TarEntry[] = [];
  const text = (name: string, t: string) => entries.push({ name: `${folder}/${name}`, data: Buffer.from(redact(t), 'utf8') });
  const json = (name: string, v: unknown) => text(name, `${JSON.stringify(redactDeep(v), null, 2)}\n`);

  for (const f of logFiles(home)) text(`logs/${basename(f)}`, readFileSync(f, 'utf8'));
  for (const f of ['host.out.1', 'host.out']) if (existsSync(join(home.logsDir, f))) text(`logs/${f}`, readFileSync(join(home.logsDir, f), 'utf8'));
  if (existsSync(healthReportFile(home))) text('health-report.json', readFileSync(healthReportFile(home), 'utf8'));
  json('status.json', safe(() => gatewayStatus(home), (e) => ({ error: e })));
  json('settings.json', safe(() => ({ set: readUserSettings(home), effective: readSettings(home) }), (e) => ({ error: e })));
  json(
    'proxy.json',
    safe(
      () => {
        const s = readStored(home);
        return {
          stored: s ? { url: s.url, username: s.username, hasPassword: !!s.sealedPassword, noProxy: s.noProxy, savedAt: s.savedAt } : null,
          environment: Object.fromEntries(['DMGW_PROXY', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'].filter((k) => env[k]).map((k) => [k, env[k]])),
        };
      },
      (e) => ({ error: e }),
    ),
  );
  json('versions.json', {
    agent: VERSION,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    machine: machineInfo(),
    current: readCurrentVersion(home) ?? null,
    installed: installedVersions(home),
    trustedReleaseKeys: safe(() => trustedKeys(home).map((k) => k.id), () => []),
  });
  json('certificates.json', safe(() => new CertificateStore(home).list().map((c) => ({ current: c.current, ...c.info })), (e) => ({ error: e })));
  text('README.txt', README);

  for (const e of entries) {
    const data = e.data.toString('utf8');
    for (const s of secrets) if (data.includes(s)) throw new DmgwError('BUNDLE_SECRET', `${e.name} would carry a secret of this gateway home; no bundle was written`, { file: e.name }, 'report this as a bug: the redaction layer missed it');
  }
  return { bytes: tarGz(entries), folder, files: entries.map((e) => e.name) };
}

/** The home's own secrets, in the clear, registered for redaction: what a bundle must never carry. */
async function homeSecrets(home: GatewayHome): Promise<string[]> {
  const found: Array<string | undefined> = [];
  const reg = safe(() => readRegistration(home));
  if (reg) found.push(await nodeToken(home, reg).catch(() => undefined));
  found.push((await storedProxy(home).catch(() => undefined))?.password);
  found.push(readEndpointToken(home));
  const secrets = found.filter((s): s is string => !!s && s.length >= 4);
  for (const s of secrets) registerSecret(s);
  return secrets;
}

function installedVersions(home: GatewayHome): Array<{ version: string; failed?: unknown }> {
  try {
    return readdirSync(home.versionsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.endsWith('.tmp'))
      .map((d) => {
        const failed = join(home.versionsDir, d.name, 'failed');
        return { version: d.name, ...(existsSync(failed) ? { failed: safe(() => JSON.parse(readFileSync(failed, 'utf8')) as unknown) } : {}) };
      });
  } catch {
    return [];
  }
}

function safe<T, U = undefined>(fn: () => T, otherwise?: (message: string) => U): T | U | undefined {
  try {
    return fn();
  } catch (e) {
    return otherwise?.((e as Error).message);
  }
}

const README = `A support bundle of a Data Management Gateway node (dmgw logs bundle / dmgw logs send).

logs/               dmgw.log and its rotations, host.out (what the launcher and host printed); every line redacted
health-report.json  the last \`dmgw diagnose\` (made fresh for this bundle unless --no-diagnose)
status.json         \`dmgw status --json\`
settings.json       the node's settings (set, and in effect)
proxy.json          the proxy URL, user and whether a password is set (never the password)
versions.json       agent, Node.js, OS, installed agent versions, trusted release key ids
certificates.json   the gateway certificates' public facts (thumbprint, subject, validity)

Never in a bundle: private keys, the node credential (registration.json), the proxy password, the credential
endpoint's token and TLS key, job payloads, copied data.
`;
