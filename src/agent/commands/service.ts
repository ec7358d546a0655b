/**
 * `dmgw service start`: the factory service in the foreground. When it is ready it prints one JSON line
 * (url, caCertFile, adminTokenFile, fingerprint, ...) on stdout so that scripts and tests can drive it; logs go to
 * stderr. SIGINT/SIGTERM stop it cleanly. `dmgw service publish-agent|releases`: the agent releases the service
 * offers to hosts (they update themselves to the newest), over the same connection as the management verbs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VERSION_PATTERN, type AgentRelease } from '../../common/gateway/agentRelease.js';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { VERSION } from '../../common/version.js';
import { startService } from '../../service/service.js';
import type * as Management from '../management/index.js';
import { write, type Command, type CommandIo } from './command.js';

const usage = `Usage:
  dmgw service start [--port 8443] [--host 0.0.0.0] [--data DIR] [--postgres URL] [--schema NAME] [--public-url URL]
                     [--lease-seconds 30] [--heartbeat-seconds 10] [--poll-seconds 25] [--max-attempts 3]
      Runs the factory service over HTTPS: Azure Resource Manager routes for Data Factory (api-version 2018-06-01)
      and the gateway channel (/gateway/v1). The first start makes a self-signed certificate and an admin token in
      --data (default ./dmgw-service). The store is embedded (PGlite, in --data) unless --postgres points at a
      PostgreSQL server, which several replicas (sharing one --data for the certificate and token) can use together.
      --public-url is the address agents use, written into gateway keys (default https://<hostname>:<port>).
      When ready it prints one JSON line: {"url","caCertFile","adminTokenFile","fingerprint","store","dataDir"}.
  dmgw service publish-agent [--bundle FILE] [--version V] [--endpoint URL] [--json]
      Publishes an agent release: the bundle (default: this dmgw's own, dist/agent/cli.js) under version V
      (default: the version the bundle reports with \`node FILE --version\`, which runs FILE: pass --version for a
      bundle you would not run). Hosts are offered the newest release
      in their heartbeat and update themselves (\`dmgw config set update.schedule\`, or ARM upgrade).
  dmgw service releases [--endpoint URL] [--json]
      The published releases: version, SHA-256, size, when.
      Both reach the service as \`dmgw gateway\` does: --endpoint URL (DMGW_ENDPOINT), --token-file F
      (DMGW_TOKEN_FILE, its adminTokenFile), --ca-file F (DMGW_CA_FILE or NODE_EXTRA_CA_CERTS, its caCertFile).`;

export const serviceCommand: Command = {
  name: 'service',
  summary: 'the factory service (ARM routes + gateway channel): service start, publish-agent, releases',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'publish-agent' || sub === 'releases') return releases(sub, rest, io);
    if (sub !== 'start') throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: start, publish-agent, releases?', {}, 'run `dmgw help service`');
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '0.0.0.0' },
        data: { type: 'string', default: 'dmgw-service' },
        postgres: { type: 'string' },
        schema: { type: 'string' },
        'public-url': { type: 'string' },
        'lease-seconds': { type: 'string' },
        'heartbeat-seconds': { type: 'string' },
        'poll-seconds': { type: 'string' },
        'max-attempts': { type: 'string' },
      },
      strict: true,
    });
    const num = (name: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new DmgwError('USAGE', `--${name} must be a non-negative number, not "${v}"`, { field: name });
      return n;
    };
    const settings = Object.fromEntries(
      Object.entries({ leaseSeconds: num('lease-seconds', values['lease-seconds']), heartbeatSeconds: num('heartbeat-seconds', values['heartbeat-seconds']), pollWaitSeconds: num('poll-seconds', values['poll-seconds']) }).filter(([, v]) => v !== undefined),
    );
    const svc = await startService({
      dataDir: resolve(io.cwd, values.data!),
      port: num('port', values.port),
      host: values.host,
      postgres: values.postgres,
      postgresSchema: values.schema,
      publicUrl: values['public-url'],
      settings,
      maxAttempts: num('max-attempts', values['max-attempts']),
      log: (line) => write(io.stderr, line),
    });
    write(io.stdout, JSON.stringify({ url: svc.url, caCertFile: svc.caCertFile, adminTokenFile: svc.adminTokenFile, fingerprint: svc.fingerprint, store: svc.store, dataDir: svc.dataDir, pid: process.pid }));
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await svc.close();
    return ExitCode.Ok;
  },
};

const RELEASE_OPTIONS = {
  endpoint: { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function releases(sub: 'publish-agent' | 'releases', args: string[], io: CommandIo): Promise<number> {
  const publish = sub === 'publish-agent';
  const { values } = parseArgs({ args, options: publish ? { ...RELEASE_OPTIONS, bundle: { type: 'string' }, version: { type: 'string' } } : RELEASE_OPTIONS, strict: true });
  const v = values as { bundle?: string; version?: string; json?: boolean };
  // read the bundle and settle its version before any connection: a local mistake is reported as such
  let upload: { file: string; version: string; bytes: Buffer } | undefined;
  if (publish) {
    const file = v.bundle ? resolve(io.cwd, v.bundle) : ownBundle();
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new DmgwError('BUNDLE_FILE', `cannot read the agent bundle ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, 'pass the built bundle: --bundle dist/agent/cli.js');
    }
    if (!bytes.length) throw new DmgwError('BUNDLE_FILE', `the agent bundle ${file} is empty`, { file }, 'pass the built bundle: --bundle dist/agent/cli.js');
    upload = { file, version: v.version ?? (v.bundle ? reportedVersion(file) : VERSION), bytes };
  }
  if (!values.endpoint?.trim() && !io.env.DMGW_ENDPOINT?.trim()) {
    throw new DmgwError('USAGE', 'which factory service?', { field: 'endpoint' }, 'pass the url `dmgw service start` printed: --endpoint URL (or DMGW_ENDPOINT)');
  }
  const m: typeof Management = await import('../management/index.js');
  const { connection, azure } = await m.resolveConnection(values, io.env);
  if (azure) throw new DmgwError('USAGE', 'agent releases live on our factory service, not on Azure', { field: 'endpoint' }, 'pass the url `dmgw service start` printed: --endpoint URL (or DMGW_ENDPOINT)');
  if (upload) {
    const r = await m.publishAgentRelease(connection, upload.version, upload.bytes);
    write(io.stdout, v.json ? JSON.stringify(r, null, 2) : `published agent ${r.version} (${r.size} bytes, sha256 ${r.sha256}) from ${upload.file}\nhosts are offered it at their next heartbeat`);
    return ExitCode.Ok;
  }
  const all = await m.listAgentReleases(connection);
  write(io.stdout, v.json ? JSON.stringify(all, null, 2) : all.length ? all.map(releaseLine).join('\n') : 'no agent releases yet — `dmgw service publish-agent` publishes one');
  return ExitCode.Ok;
}

const releaseLine = (r: AgentRelease): string => `${r.version.padEnd(16)} ${r.publishedAt}  ${String(r.size).padStart(10)} bytes  sha256 ${r.sha256}`;

/** The bundle this process runs (dist/agent/cli.js, or the one the launcher installed). */
function ownBundle(): string {
  const f = process.argv[1];
  if (!f) throw new DmgwError('USAGE', 'cannot tell which file this dmgw runs from', { field: 'bundle' }, 'pass --bundle dist/agent/cli.js');
  try {
    return realpathSync(f);
  } catch {
    return resolve(f);
  }
}

/** What `node FILE --version` prints (`dmgw X.Y.Z`): the version a bundle would report once installed. */
function reportedVersion(file: string): string {
  const r = spawnSync(process.execPath, [file, '--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const version = /^dmgw (\S+)\s*$/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !version || !VERSION_PATTERN.test(version)) {
    throw new DmgwError('USAGE', `cannot read the version of ${file} (\`node ${file} --version\` ${r.error ? `failed: ${r.error.message}` : r.status !== 0 ? `exited with ${r.status ?? r.signal}` : `printed "${(r.stdout ?? '').trim().slice(0, 80)}"`})`, { file, field: 'version' }, 'pass --version MAJOR.MINOR.PATCH[-suffix]');
  }
  return version;
}
