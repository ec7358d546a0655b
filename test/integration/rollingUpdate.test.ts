/**
 * Rolling update with three real nodes: a service (`dmgw service start`), three homes (node-a, node-b, node-c) each
 * registered with `dmgw register --trust-release-key` and run by `dmgw start` (the launcher), and a release signed by
 * the release authority that starts everywhere but fails its probation on node-b (it exits at once there). `dmgw gateway
 * upgrade` (ARM upgrade) must ask node-a first; node-b only once node-a runs the new version; node-b rolls back; the
 * rollout halts with the reason in getStatus and `dmgw gateway show`; node-c is never asked. The order is read from the
 * nodes' own logs (one machine, one clock).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/builtCli.js';
import { armClient, managementEnv, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from '../support/factoryService.js';
import { until } from '../support/wait.js';

const CLI = ensureBuilt();
const OLD = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
const NEW = '9.5.0';
const F = 'rolling';
const GW = 'fleet';
const NODES = ['node-a', 'node-b', 'node-c'];
const root = tempDir('dmgw-rolling');
const homes = Object.fromEntries(NODES.map((n) => [n, join(root, n)]));
const authority = join(root, 'authority');
let svc: ServiceProcess;

const dmgw = (home: string | undefined, args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...(home ? { DMGW_HOME: home } : {}), DMGW_UPDATE_PROBATION_SECONDS: '5', ...extra }, input, encoding: 'utf8', timeout: 90_000 });
const state = (n: string) => {
  try {
    return JSON.parse(readFileSync(join(homes[n]!, 'host-state.json'), 'utf8')) as { pid: number; version: string; status: string };
  } catch {
    return undefined;
  }
};
const logOf = (n: string) => (existsSync(join(homes[n]!, 'logs', 'dmgw.log')) ? readFileSync(join(homes[n]!, 'logs', 'dmgw.log'), 'utf8') : '');
/** The time of the first log line of node `n` matching `re`. */
const when = (n: string, re: RegExp): number => {
  const line = logOf(n).split('\n').find((l) => re.test(l));
  if (!line) throw new Error(`no line ${re} in the log of ${n}:\n${logOf(n).slice(-3000)}`);
  return Date.parse(line.slice(0, 24));
};
interface Rollout {
  status: string;
  version: string;
  currentNode?: string;
  updatedNodes: string[];
  pendingNodes: string[];
  reason?: string;
}
const status = async () => (await armClient(svc).integrationRuntimes.getStatus(RESOURCE_GROUP, F, GW)).properties as unknown as { nodes: Array<{ nodeName: string; version: string; status: string }>; rollout?: Rollout };

describe('rolling update over three nodes', () => {
  beforeAll(async () => {
    svc = await spawnService(['--port', '0', '--data', join(root, 'svc'), '--heartbeat-seconds', '1', '--poll-seconds', '2']);
    const arm = armClient(svc);
    await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
    expect(dmgw(undefined, ['release', 'keygen', '--out', authority]).status).toBe(0);
    const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
    for (const n of NODES) {
      mkdirSync(homes[n]!, { mode: 0o700 });
      const reg = dmgw(homes[n], ['register', '--key-stdin', '--node-name', n, '--trust-release-key', join(authority, 'release-public-key.pem')], key);
      expect(reg.status, reg.stderr).toBe(0);
      expect(dmgw(homes[n], ['config', 'set', 'update.schedule', 'off']).status).toBe(0);
      const started = dmgw(homes[n], ['start']);
      expect(started.status, started.stderr).toBe(0);
    }
    await until('three nodes online', async () => (await status()).nodes.filter((x) => x.status === 'Online').length === 3 || undefined, 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const n of NODES) dmgw(homes[n], ['stop']);
    await svc?.stop();
  });

  it('asks one node at a time, the next only once the previous runs the new version; a rollback halts it with the reason', async () => {
    // the release: the agent itself, which exits at once when started as the host of node-b (its probation fails there)
    const text = readFileSync(CLI, 'utf8');
    expect(text.split(JSON.stringify(OLD)).length).toBe(2);
    const [shebang, ...rest] = text.replace(JSON.stringify(OLD), JSON.stringify(NEW)).split('\n');
    const bundle = join(tempDir('dmgw-rolling-bundle'), 'cli.js');
    writeFileSync(bundle, [shebang, "if (process.argv[2] === 'host' && require('path').basename(process.env.DMGW_HOME || '') === 'node-b') process.exit(9);", ...rest].join('\n'));
    expect(dmgw(undefined, ['release', 'sign', bundle, '--key', join(authority, 'release-private-key.pem'), '--version', NEW]).status).toBe(0);
    const pub = spawnSync(process.execPath, [CLI, 'service', 'publish-agent', '--bundle', bundle], { env: managementEnv(svc), encoding: 'utf8' });
    expect(pub.status, pub.stderr).toBe(0);

    const up = spawnSync(process.execPath, [CLI, 'gateway', 'upgrade', GW, '--factory', F, '--resource-group', RESOURCE_GROUP], { env: managementEnv(svc), encoding: 'utf8' });
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`rollout: +agent ${NEW.replace(/\./g, '\\.')} InProgress, now node-a`));

    const halted = await until('the rollout to halt', async () => {
      const s = await status();
      return s.rollout?.status === 'Halted' ? s : undefined;
    }, 240_000, 500);
    expect(halted.rollout).toMatchObject({ version: NEW, updatedNodes: ['node-a'], pendingNodes: ['node-b', 'node-c'] });
    expect(halted.rollout!.reason).toMatch(/^node node-b did not take agent 9\.5\.0: agent 9\.5\.0 \(sha256 [0-9a-f]{12}…\) is not installed again: it exited within 5 s of starting \(code 9\)/);

    // node-a runs it, Online; node-b rolled back and runs the old one; node-c was never asked
    await until('node-a online on the new version', () => (state('node-a')?.version === NEW && state('node-a')?.status === 'Online') || undefined, 30_000);
    await until('node-b back online on the old version', () => (state('node-b')?.version === OLD && state('node-b')?.status === 'Online') || undefined, 30_000);
    expect(JSON.parse(readFileSync(join(homes['node-b']!, 'versions', NEW, 'failed'), 'utf8'))).toMatchObject({ reason: expect.stringContaining('code 9') });
    expect(state('node-c')?.version).toBe(OLD);
    expect(logOf('node-c')).not.toMatch(/updating /);
    expect(existsSync(join(homes['node-c']!, 'versions', NEW))).toBe(false);

    // the order, from the nodes' own logs: node-b was asked only after node-a's new host had started
    const aUpdating = when('node-a', new RegExp(`updating ${OLD.replace(/\./g, '\\.')} → 9\\.5\\.0`));
    const aRunning = when('node-a', /launching host: agent 9\.5\.0/);
    const bUpdating = when('node-b', new RegExp(`updating ${OLD.replace(/\./g, '\\.')} → 9\\.5\\.0`));
    expect(aUpdating).toBeLessThan(aRunning);
    expect(aRunning).toBeLessThan(bUpdating);

    const show = spawnSync(process.execPath, [CLI, 'gateway', 'show', GW, '--factory', F, '--resource-group', RESOURCE_GROUP], { env: managementEnv(svc), encoding: 'utf8' });
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain(`rollout:      agent ${NEW} Halted; updated node-a; pending node-b, node-c`);
    expect(show.stdout).toMatch(/halted: node node-b did not take agent 9\.5\.0: .*it exited within 5 s of starting \(code 9\)/);

    // halted means halted: node-c is still not asked a while later
    await new Promise((r) => setTimeout(r, 4000));
    expect(logOf('node-c')).not.toMatch(/updating /);
    expect((await status()).rollout?.status).toBe('Halted');
  }, 300_000);
});
