/**
 * `dmgw service start`: the factory service in the foreground. When it is ready it prints one JSON line
 * (url, caCertFile, adminTokenFile, fingerprint, ...) on stdout so that scripts and tests can drive it; logs go to
 * stderr. SIGINT/SIGTERM stop it cleanly. `dmgw service token rotate`: a new admin token (serviceToken.ts).
 * `dmgw service publish-agent|releases`: the signed agent releases the service stores and offers to hosts, over the
 * same connection as the management verbs.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentRelease } from '../../common/gateway/agentRelease.js';
import { parseManifest, sha256Hex, shortKeyId } from '../../common/gateway/releaseManifest.js';
import { DmgwError } from '../../common/errors.js';
import { tarEntries } from '../../common/tar.js';
import { ExitCode } from '../../common/exitCodes.js';
import { startService } from '../../service/service.js';
import type * as Management from '../management/index.js';
import type { AgentReleaseUpload } from '../management/releases.js';
import { manifestPath, readReleaseFile, signaturePath } from '../release/bundleFiles.js';
import { write, type Command, type CommandIo } from './command.js';
import { postgresPassword } from './postgresPassword.js';
import { serviceToken, TOKEN_USAGE } from './serviceToken.js';

const usage = `Usage:
  dmgw service start [--port 8443] [--host 0.0.0.0] [--data DIR] [--postgres URL] [--schema NAME] [--public-url URL]
                     [--postgres-password-file FILE | --postgres-password-stdin]
                     [--lease-seconds 30] [--heartbeat-seconds 10] [--poll-seconds 25] [--max-attempts 3]
                     [--node-credential-seconds 2592000] [--node-credential-overlap-seconds 600]
                     [--max-connections-per-address 128]
                     [--rollout-node-timeout-seconds 900]
      Runs the factory service over HTTPS: Azure Resource Manager routes for Data Factory (api-version 2018-06-01)
      and the gateway channel (/gateway/v1). The first start makes a self-signed certificate and an admin token in
      --data (default ./dmgw-service). The store is embedded (PGlite, in --data) unless --postgres points at a
      PostgreSQL server, which several replicas (sharing one --data for the certificate and token) can use together.
      The URL carries no password (it would show in the process list): pg reads PGPASSWORD from the environment,
      or give it with --postgres-password-file FILE or --postgres-password-stdin.
      --public-url is the address agents use, written into gateway keys (default https://<hostname>:<port>).
      A node credential lasts --node-credential-seconds (30 days); hosts renew theirs at half that, and a renewed
      one stays valid --node-credential-overlap-seconds more (10 minutes). An expired one is refused: register again.
      --poll-seconds is at most 600. A client address may hold --max-connections-per-address open connections;
      more are closed as they arrive (raise it behind a TCP load balancer, where every client has its address).
      ARM upgrade updates a gateway's nodes one at a time; the rollout halts when the node it asked refuses the
      release (a rollback) or is silent --rollout-node-timeout-seconds (15 minutes).
      When ready it prints one JSON line: {"url","caCertFile","adminTokenFile","metricsTokenFile","fingerprint","store","dataDir"}.
      GET /metrics serves Prometheus metrics (queues, pickup delay, nodes, runs) to a bearer of the scrape token in
      --data/metrics-token (never the admin token).
${TOKEN_USAGE}
  dmgw service publish-agent [--bundle FILE] [--manifest F] [--signature F] [--endpoint URL] [--json]
      Publishes an agent release that a release authority signed (\`dmgw release sign BUNDLE --key FILE\`): the
      bundle (default: this dmgw's own, dist/agent/cli.js), its manifest (default BUNDLE.manifest.json) and its
      signature (default BUNDLE.sig); the version is the manifest's. The service stores them and offers the newest
      to hosts in their heartbeat; it cannot sign, and each node installs only releases signed by a key its
      operator trusts (\`dmgw update trust add\`), newer than what it runs.
  dmgw service releases [--endpoint URL] [--json]
      The published releases: version, SHA-256, size, the release key that signed each, when.
  dmgw service reports list [--json]
  dmgw service reports get ID [--out FILE] [--json]
      The support reports nodes sent (\`dmgw logs send\`): list shows id, when, factory/gateway/node, size; get
      writes the bundle (a .tar.gz; default ./dmgw-report-ID.tar.gz) and lists what is inside.
      These reach the service as \`dmgw gateway\` does: --endpoint URL (DMGW_ENDPOINT), --token-file F
      (DMGW_TOKEN_FILE, its adminTokenFile), --ca-file F (DMGW_CA_FILE or NODE_EXTRA_CA_CERTS, its caCertFile).`;

export const serviceCommand: Command = {
  name: 'service',
  summary: 'the factory service (ARM routes + gateway channel): service start, token rotate, publish-agent, releases, reports',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'publish-agent' || sub === 'releases') return releases(sub, rest, io);
    if (sub === 'token') return serviceToken(rest, io);
    if (sub === 'reports') return reports(rest, io);
    if (sub !== 'start') throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: start, token, publish-agent, releases, reports?', {}, 'run `dmgw help service`');
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '0.0.0.0' },
        data: { type: 'string', default: 'dmgw-service' },
        postgres: { type: 'string' },
        'postgres-password-file': { type: 'string' },
        'postgres-password-stdin': { type: 'boolean' },
        schema: { type: 'string' },
        'public-url': { type: 'string' },
        'lease-seconds': { type: 'string' },
        'heartbeat-seconds': { type: 'string' },
        'poll-seconds': { type: 'string' },
        'max-attempts': { type: 'string' },
        'node-credential-seconds': { type: 'string' },
        'node-credential-overlap-seconds': { type: 'string' },
        'max-connections-per-address': { type: 'string' },
        'rollout-node-timeout-seconds': { type: 'string' },
      },
      strict: true,
    });
    const num = (name: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new DmgwError('USAGE', `--${name} must be a non-negative number, not "${v}"`, { field: name });
      return n;
    };
    const positive = (name: string, v: string | undefined): number | undefined => {
      const n = num(name, v);
      if (n === 0) throw new DmgwError('USAGE', `--${name} must be more than 0`, { field: name });
      return n;
    };
    const settings = Object.fromEntries(
      Object.entries({ leaseSeconds: num('lease-seconds', values['lease-seconds']), heartbeatSeconds: num('heartbeat-seconds', values['heartbeat-seconds']), pollWaitSeconds: num('poll-seconds', values['poll-seconds']) }).filter(([, v]) => v !== undefined),
    );
    const password = await postgresPassword(io, { postgres: values.postgres, file: values['postgres-password-file'], stdin: values['postgres-password-stdin'] });
    const svc = await startService({
      dataDir: resolve(io.cwd, values.data!),
      port: num('port', values.port),
      host: values.host,
      postgres: values.postgres,
      postgresPassword: password,
      postgresSchema: values.schema,
      publicUrl: values['public-url'],
      settings,
      maxAttempts: num('max-attempts', values['max-attempts']),
      nodeCredentialSeconds: positive('node-credential-seconds', values['node-credential-seconds']),
      nodeCredentialOverlapSeconds: num('node-credential-overlap-seconds', values['node-credential-overlap-seconds']),
      maxConnectionsPerAddress: num('max-connections-per-address', values['max-connections-per-address']),
      rolloutNodeTimeoutSeconds: positive('rollout-node-timeout-seconds', values['rollout-node-timeout-seconds']),
      log: (line) => write(io.stderr, line),
    });
    write(io.stdout, JSON.stringify({ url: svc.url, caCertFile: svc.caCertFile, adminTokenFile: svc.adminTokenFile, metricsTokenFile: svc.metricsTokenFile, fingerprint: svc.fingerprint, store: svc.store, dataDir: svc.dataDir, pid: process.pid }));
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
  const { values } = parseArgs({ args, options: publish ? { ...RELEASE_OPTIONS, bundle: { type: 'string' }, manifest: { type: 'string' }, signature: { type: 'string' } } : RELEASE_OPTIONS, strict: true });
  const v = values as { bundle?: string; manifest?: string; signature?: string; json?: boolean };
  // read the release and check it fits together before any connection: a local mistake is reported as such
  const upload = publish ? readRelease(io, v) : undefined;
  if (!values.endpoint?.trim() && !io.env.DMGW_ENDPOINT?.trim()) {
    throw new DmgwError('USAGE', 'which factory service?', { field: 'endpoint' }, 'pass the url `dmgw service start` printed: --endpoint URL (or DMGW_ENDPOINT)');
  }
  const m: typeof Management = await import('../management/index.js');
  const { connection, azure } = await m.resolveConnection(values, io.env);
  if (azure) throw new DmgwError('USAGE', 'agent releases live on our factory service, not on Azure', { field: 'endpoint' }, 'pass the url `dmgw service start` printed: --endpoint URL (or DMGW_ENDPOINT)');
  if (upload) {
    const r = await m.publishAgentRelease(connection, upload);
    write(io.stdout, v.json ? JSON.stringify(r, null, 2) : `published agent ${r.version} (${r.size} bytes, sha256 ${r.sha256}, signed by release key ${shortKeyId(r.keyId)}) from ${upload.file}\nhosts that trust that key are offered it at their next heartbeat`);
    return ExitCode.Ok;
  }
  const all = await m.listAgentReleases(connection);
  write(io.stdout, v.json ? JSON.stringify(all, null, 2) : all.length ? all.map(releaseLine).join('\n') : 'no agent releases yet — `dmgw service publish-agent` publishes one');
  return ExitCode.Ok;
}

async function reports(args: string[], io: CommandIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'list' && verb !== 'get') throw new DmgwError('USAGE', verb ? `unknown reports action "${verb}"` : 'which one: reports list or reports get ID?', {}, 'run `dmgw help service`');
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...RELEASE_OPTIONS, out: { type: 'string' } }, strict: true });
  if (verb === 'get' && positionals.length !== 1) throw new DmgwError('USAGE', 'dmgw service reports get takes one report id', {}, 'dmgw service reports list shows them');
  if (!values.endpoint?.trim() && !io.env.DMGW_ENDPOINT?.trim()) throw new DmgwError('USAGE', 'which factory service?', { field: 'endpoint' }, 'pass the url `dmgw service start` printed: --endpoint URL (or DMGW_ENDPOINT)');
  const m: typeof Management = await import('../management/index.js');
  const { connection, azure } = await m.resolveConnection(values, io.env);
  if (azure) throw new DmgwError('USAGE', 'support reports live on our factory service, not on Azure', { field: 'endpoint' }, 'pass the url `dmgw service start` printed: --endpoint URL (or DMGW_ENDPOINT)');
  if (verb === 'list') {
    const all = await m.listSupportReports(connection);
    write(io.stdout, values.json ? JSON.stringify(all, null, 2) : all.length ? all.map((r) => `${r.reportId}  ${r.createdAt}  ${r.factory}/${r.gateway}/${r.node}  agent ${r.agentVersion}  ${r.size} bytes${r.note ? `  "${r.note}"` : ''}`).join('\n') : 'no support reports — a node sends one with `dmgw logs send`');
    return ExitCode.Ok;
  }
  const id = positionals[0]!;
  const { info, bundle } = await m.supportReport(connection, id);
  const out = resolve(io.cwd, values.out ?? `dmgw-report-${id}.tar.gz`);
  if (sha256Hex(bundle) !== info.sha256) throw new DmgwError('REPORT_DAMAGED', `the bundle downloaded for report ${id} does not match its SHA-256 ${info.sha256}`, {}, 'try again');
  writeFileSync(out, bundle, { mode: 0o600 });
  const files = tarEntries(bundle).map((e) => ({ name: e.name, size: e.size }));
  write(io.stdout, values.json ? JSON.stringify({ ...info, file: out, files }, null, 2) : [`report ${info.reportId} from node ${info.node} of ${info.factory}/${info.gateway} (agent ${info.agentVersion}), ${info.createdAt}${info.note ? `, note "${info.note}"` : ''}`, `wrote ${out} (${info.size} bytes, sha256 ${info.sha256}):`, ...files.map((f) => `  ${f.name} (${f.size} bytes)`)].join('\n'));
  return ExitCode.Ok;
}

const releaseLine = (r: AgentRelease): string => `${r.version.padEnd(16)} ${r.publishedAt}  ${String(r.size).padStart(10)} bytes  sha256 ${r.sha256}  key ${shortKeyId(r.keyId)}`;

/** The bundle, manifest and signature to publish, checked to belong together (the nodes check the signature). */
function readRelease(io: CommandIo, v: { bundle?: string; manifest?: string; signature?: string }): AgentReleaseUpload {
  const file = v.bundle ? resolve(io.cwd, v.bundle) : ownBundle();
  const signHint = `sign it first: dmgw release sign ${file} --key release-private-key.pem`;
  const bundle = readReleaseFile(file, 'agent bundle', 'pass the built bundle: --bundle dist/agent/cli.js');
  const manifestFile = v.manifest ? resolve(io.cwd, v.manifest) : manifestPath(file);
  const manifest = readReleaseFile(manifestFile, 'release manifest', signHint);
  const signatureFile = v.signature ? resolve(io.cwd, v.signature) : signaturePath(file);
  const signature = readReleaseFile(signatureFile, 'release signature', signHint).toString('utf8').trim();
  const m = parseManifest(manifest, manifestFile);
  if (m.sha256 !== sha256Hex(bundle) || m.size !== bundle.length) {
    throw new DmgwError('RELEASE_MISMATCH', `this manifest describes another bundle (${m.size} bytes, sha256 ${m.sha256}) than ${file} (${bundle.length} bytes, sha256 ${sha256Hex(bundle)})`, { file: manifestFile }, signHint);
  }
  if (Buffer.from(signature, 'base64').length !== 64) throw new DmgwError('RELEASE_FILE', 'not a base64 Ed25519 signature', { file: signatureFile }, signHint);
  return { file, version: m.version, bundle, manifest, signature };
}

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
