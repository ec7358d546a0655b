/**
 * A factory service orchestrating pipelines over two gateways, all real processes: `dmgw service start` on a
 * PostgreSQL store (its own schema, so a test can read what the service keeps), integration runtimes `gwA` and `gwB`
 * with one registered node each (`node-a`, `node-b`, each its own `dmgw host` and gateway home), linked services
 * `PgA` / `PgB` (the test PostgreSQL, through gwA / gwB) and `FilesA` (a folder node-a allows, through gwA).
 */
import type { ActivityRun, DataFactoryManagementClient, PipelineResource } from '@azure/arm-datafactory';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { pgConnectionString } from './copyFactory.js';
import { armClient, CLI, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from './factoryService.js';
import { allowFileRoots } from './gatewayHome.js';
import { freePort, PG_URL, uniqueName } from './servers.js';
import { until } from './wait.js';

export type Json = Record<string, unknown>;
export const ref = (name: string, parameters?: Json) => ({ referenceName: name, type: 'DatasetReference', ...(parameters ? { parameters } : {}) });
export const dep = (activity: string, ...c: string[]) => [{ activity, dependencyConditions: c.length ? c : ['Succeeded'] }];
export const FINAL = ['Succeeded', 'Failed', 'Cancelled'];

export interface Rig {
  F: string;
  schema: string;
  svcSchema: string;
  db: pg.Client;
  arm: DataFactoryManagementClient;
  svc: ServiceProcess;
  homes: { a: string; b: string };
  hosts: { a?: ChildProcess; b?: ChildProcess };
  files: string;
  /** stops the service (kill -9 by default) and starts it again on the same store */
  restartService(signal?: NodeJS.Signals): Promise<void>;
  /** a pipeline in ADF's wire shape (typeProperties nested), as `dmgw pipeline upload` sends it */
  pipeline(name: string, properties: Json): Promise<void>;
  dataset(name: string, type: string, linkedService: string, typeProperties: Json, parameters?: Json): Promise<void>;
  run(pipeline: string, parameters?: Json): Promise<string>;
  finalRun(runId: string, ms?: number): Promise<{ status?: string; message?: string; runId?: string }>;
  activities(runId: string): Promise<ActivityRun[]>;
  /** what the node's host wrote in its log (dmgw.log in its home) */
  hostLog(node: 'a' | 'b'): string;
  /** the jobs the node's host runs now (host-state.json) */
  running(node: 'a' | 'b'): Array<{ runId: string; activity?: string; workerPid?: number }>;
  close(): Promise<void>;
}

export async function startRig(prefix: string): Promise<Rig> {
  const F = `factory-${prefix}`;
  const schema = uniqueName(prefix);
  const svcSchema = uniqueName(`${prefix}svc`);
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  await db.query(`create schema ${schema}`);
  const args = ['--port', String(await freePort()), '--data', tempDir(`dmgw-${prefix}-svc`), '--postgres', PG_URL, '--schema', svcSchema, '--lease-seconds', '5', '--heartbeat-seconds', '1', '--poll-seconds', '5'];
  const homes = { a: tempDir(`dmgw-${prefix}-a`), b: tempDir(`dmgw-${prefix}-b`) };
  const files = tempDir(`dmgw-${prefix}-files`);
  mkdirSync(join(files, 'incoming'));
  const hosts: Rig['hosts'] = {};
  const rig: Rig = {
    F,
    schema,
    svcSchema,
    db,
    svc: await spawnService(args),
    arm: undefined as unknown as DataFactoryManagementClient,
    homes,
    hosts,
    files,
    async restartService(signal = 'SIGKILL') {
      await rig.svc.stop(signal);
      rig.svc = await spawnService(args);
      rig.arm = armClient(rig.svc);
    },
    async pipeline(name, properties) {
      await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, name, { properties } as unknown as PipelineResource);
    },
    async dataset(name, type, linkedService, typeProperties, parameters) {
      await rig.arm.datasets.createOrUpdate(RESOURCE_GROUP, F, name, { properties: { type, linkedServiceName: { referenceName: linkedService, type: 'LinkedServiceReference' }, typeProperties, ...(parameters ? { parameters } : {}) } } as never);
    },
    async run(pipeline, parameters) {
      return (await rig.arm.pipelines.createRun(RESOURCE_GROUP, F, pipeline, parameters ? { parameters } : {})).runId;
    },
    finalRun(runId, ms = 90_000) {
      return until(
        `run ${runId} to end`,
        async () => {
          const r = await rig.arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
          return FINAL.includes(r.status!) ? r : undefined;
        },
        ms,
        200,
      );
    },
    async activities(runId) {
      return (await rig.arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 3600_000) })).value;
    },
    hostLog: (node) => {
      try {
        return readFileSync(join(homes[node], 'logs', 'dmgw.log'), 'utf8');
      } catch {
        return '';
      }
    },
    running: (node) => {
      try {
        return (JSON.parse(readFileSync(join(homes[node], 'host-state.json'), 'utf8')) as { runningJobs: Array<{ runId: string; activity?: string; workerPid?: number }> }).runningJobs;
      } catch {
        return [];
      }
    },
    async close() {
      hosts.a?.kill('SIGKILL');
      hosts.b?.kill('SIGKILL');
      await rig.svc?.stop('SIGKILL');
      await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await db.query(`drop schema if exists ${svcSchema} cascade`).catch(() => undefined);
      await db.end();
    },
  };
  rig.arm = armClient(rig.svc);
  const arm = rig.arm;
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
  for (const [node, gw] of [['a', 'gwA'], ['b', 'gwB']] as const) {
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, gw, { properties: { type: 'SelfHosted' } });
    const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, gw)).authKey1!;
    const env = { ...process.env, DMGW_HOME: homes[node] };
    const r = spawnSync(process.execPath, [CLI, 'register', '--key-stdin', '--node-name', `node-${node}`], { env, input: key, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`register node-${node}: ${r.stderr}`);
    if (node === 'a') allowFileRoots(homes.a, files);
    hosts[node] = spawn(process.execPath, [CLI, 'host'], { env, stdio: 'ignore' });
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, node === 'a' ? 'PgA' : 'PgB', { properties: { type: 'PostgreSql', connectionString: pgConnectionString(), connectVia: { referenceName: gw, type: 'IntegrationRuntimeReference' } } as never });
  }
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'FilesA', { properties: { type: 'FileServer', typeProperties: { host: files }, connectVia: { referenceName: 'gwA', type: 'IntegrationRuntimeReference' } } as never });
  for (const gw of ['gwA', 'gwB']) await until(`${gw} online`, async () => (await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, gw)).properties.state === 'Online', 60_000, 250);
  return rig;
}

/** A Copy between two PostgreSQL datasets (ADF's wire shape). */
export function pgCopy(name: string, input: Json, output: Json, query: string, extra: Json = {}): Json {
  return { name, type: 'Copy', inputs: [input], outputs: [output], typeProperties: { source: { type: 'PostgreSqlSource', query }, sink: { type: 'PostgreSqlSink' } }, ...extra };
}
