/**
 * A whole gateway for lifecycle tests, with real processes: `dmgw service start` (PGlite, or the real PostgreSQL
 * with `postgres: true`), a factory with one SelfHosted integration runtime and a PostgreSQL linked service `Pg`
 * (trust auth, no secret), a node registered with `dmgw register` in its own home, and `dmgw host` running it.
 * The real @azure/arm-datafactory client drives the service.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, runCli, type CliResult } from './builtCli.js';
import { armClient, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from './factoryService.js';
import { freePort, PG_URL } from './servers.js';
import { until } from './wait.js';

export interface HostState {
  pid: number;
  status: string;
  message?: string;
  runningJobs: Array<{ jobId: string; runId: string; workerPid?: number }>;
}

export interface RigOptions {
  factory: string;
  gateway: string;
  /** extra `dmgw service start` arguments (timings) */
  serviceArgs?: string[];
  /** the service on the real PostgreSQL, in this schema (else PGlite in its data folder) */
  postgresSchema?: string;
  /** the address written into gateway keys (a proxy in front of the service); `proxyPort` is where it listens */
  publicPort?: (servicePort: number) => Promise<number>;
  /** environment of the host (and so of its workers) */
  hostEnv?: NodeJS.ProcessEnv;
  /** extra `dmgw register` arguments */
  registerArgs?: string[];
  /** run the host through `dmgw start` (the launcher, which restarts it on a new agent version) */
  launcher?: boolean;
}

export class GatewayRig {
  host?: ChildProcess;
  readonly home = tempDir('dmgw-rig-node');
  readonly dataDir = tempDir('dmgw-rig-svc');
  svc!: ServiceProcess;
  arm!: DataFactoryManagementClient;
  private svcArgs: string[] = [];

  constructor(readonly o: RigOptions) {}

  readonly cli = ensureBuilt();

  get factory(): string {
    return this.o.factory;
  }

  get gateway(): string {
    return this.o.gateway;
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, DMGW_HOME: this.home, ...this.o.hostEnv, ...extra };
  }

  dmgw(args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, [this.cli, ...args], { env: this.env(extra), input, encoding: 'utf8', timeout: 60_000 });
  }

  /** The built CLI without blocking this process (needed when a proxy in this process carries its traffic). */
  dmgwAsync(args: string[], input?: string, extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli(args, { env: this.env(extra), input });
  }

  /** `dmgw register` of this rig's node with the gateway's authKey1. */
  async register(nodeName = 'rig-node'): Promise<void> {
    const keys = await this.arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, this.factory, this.gateway);
    const r = await this.dmgwAsync(['register', '--key-stdin', '--node-name', nodeName, ...(this.o.registerArgs ?? [])], keys.authKey1);
    if (r.code !== 0) throw new Error(`dmgw register failed: ${r.stderr}`);
  }

  state(): HostState | undefined {
    try {
      return JSON.parse(readFileSync(join(this.home, 'host-state.json'), 'utf8')) as HostState;
    } catch {
      return undefined;
    }
  }

  log(): string {
    const f = join(this.home, 'logs', 'dmgw.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  async startService(): Promise<void> {
    const port = await freePort();
    const publicArgs = this.o.publicPort ? ['--public-url', `https://127.0.0.1:${await this.o.publicPort(port)}`] : [];
    const store = this.o.postgresSchema ? ['--postgres', PG_URL, '--schema', this.o.postgresSchema] : [];
    this.svcArgs = ['--port', String(port), '--data', this.dataDir, ...store, ...publicArgs, ...(this.o.serviceArgs ?? [])];
    this.svc = await spawnService(this.svcArgs);
    this.arm = armClient(this.svc);
  }

  /** The service again, same data, port and store (after a stop or kill). */
  async restartService(): Promise<void> {
    this.svc = await spawnService(this.svcArgs);
    this.arm = armClient(this.svc);
  }

  /** Service, factory, integration runtime, linked service Pg, a registered node and its running host. */
  async start(): Promise<this> {
    await this.startService();
    await this.arm.factories.createOrUpdate(RESOURCE_GROUP, this.factory, { location: 'local' });
    await this.arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, this.factory, this.gateway, { properties: { type: 'SelfHosted' } });
    const u = new URL(PG_URL);
    await this.arm.linkedServices.createOrUpdate(RESOURCE_GROUP, this.factory, 'Pg', {
      properties: { type: 'PostgreSql', connectionString: `Server=${u.hostname};Port=${u.port || 5432};Database=${u.pathname.slice(1)};UID=${u.username}`, connectVia: { referenceName: this.gateway, type: 'IntegrationRuntimeReference' } } as never,
    });
    await this.register();
    await this.startHost();
    await until('the host online', () => this.state()?.status === 'Online' || undefined, 60_000);
    return this;
  }

  async startHost(): Promise<void> {
    if (!this.o.launcher) {
      this.host = spawn(process.execPath, [this.cli, 'host'], { env: this.env(), stdio: 'ignore' });
      return;
    }
    const r = await this.dmgwAsync(['start']);
    if (r.code !== 0) throw new Error(`dmgw start failed: ${r.stderr}`);
  }

  /** A PostgreSQL table dataset `name` on `schema.table`. */
  async tableDataset(name: string, schema: string, table: string): Promise<void> {
    await this.arm.datasets.createOrUpdate(RESOURCE_GROUP, this.factory, name, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: schema, table } as never });
  }

  async runStatus(runId: string) {
    return this.arm.pipelineRuns.get(RESOURCE_GROUP, this.factory, runId);
  }

  /** The run once it has a final status. */
  async finalRun(runId: string, ms = 90_000) {
    return until(`run ${runId} to end`, async () => {
      const r = await this.runStatus(runId);
      return ['Succeeded', 'Failed', 'Cancelled'].includes(r.status!) ? r : undefined;
    }, ms, 200);
  }

  /** Every activity run of the run (all pages). */
  async activityRuns(runId: string) {
    const all = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, this.factory, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000), continuationToken });
      all.push(...page.value);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return all;
  }

  /** Creates a run and waits until a worker runs it. */
  async runningRun(pipeline: string): Promise<{ runId: string; jobId: string; workerPid: number }> {
    const { runId } = await this.arm.pipelines.createRun(RESOURCE_GROUP, this.factory, pipeline);
    return until('a worker to start the run', () => {
      const j = this.state()?.runningJobs.find((x) => x.runId === runId && x.workerPid);
      return j ? { runId, jobId: j.jobId, workerPid: j.workerPid! } : undefined;
    }, 60_000);
  }

  async stop(): Promise<void> {
    if (this.o.launcher) await this.dmgwAsync(['stop']);
    if (this.host && this.host.exitCode === null && this.host.signalCode === null) {
      const exited = new Promise((r) => this.host!.once('exit', r));
      this.host.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      this.host.kill('SIGKILL');
    }
    await this.svc?.stop('SIGKILL');
  }
}

/** Whether process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { RESOURCE_GROUP };
