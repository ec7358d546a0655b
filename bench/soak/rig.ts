/**
 * The soak rig: every real part of a production gateway, each behind something the campaign can break.
 * - Two `dmgw service start` replicas on one PostgreSQL store (as test/integration/service/replicas.test.ts), behind a
 *   failover TCP balancer (test/support/tcpBalancer.ts): nodes reach replica A while it lives; the campaign's ARM
 *   client talks to replica B directly, so runs are queued on one replica and leased through the other.
 * - The channel: a fault proxy (test/support/faultProxy.ts) in front of the balancer is the --public-url in the
 *   gateway keys, so all node ↔ service traffic can be cut or stalled.
 * - Sources and sinks: PostgreSQL (source and sink), MariaDB (source) and Azurite (blob sink), each through its own
 *   fault proxy; linked services point at the proxies.
 * - N nodes registered with `dmgw register`, each `dmgw host` a child process this rig can kill and start again.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { BlobServiceClient } from '@azure/storage-blob';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { devConnectionString, startAzurite, type AzuriteServer } from '../../test/support/azurite.js';
import { ensureBuilt, runCli } from '../../test/support/builtCli.js';
import { pgConnectionString } from '../../test/support/copyFactory.js';
import { armClient, CLI, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from '../../test/support/factoryService.js';
import { startFaultProxy, type FaultProxy } from '../../test/support/faultProxy.js';
import { freePort, MARIADB_URL, PG_URL, uniqueName } from '../../test/support/servers.js';
import { mariadbConnectionString } from '../../test/support/storeContract.js';
import { startTcpBalancer, type TcpBalancer } from '../../test/support/tcpBalancer.js';

export const F = 'soak';
export const GW = 'soakgw';
export { RESOURCE_GROUP };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` (errors count as "not yet": a replica going away breaks calls in flight) until it gives a value. */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000, every = 200): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`);
    await sleep(every);
  }
}

export interface HostState {
  status: string;
  runningJobs: Array<{ jobId: string; runId: string; workerPid?: number }>;
}

export interface SoakNode {
  name: string;
  home: string;
  host?: ChildProcess;
}

export interface RigOptions {
  nodes: number;
  /** Azurite and the blob sink (default true; the load campaign does without) */
  blob?: boolean;
  /** the data schema/database name (PostgreSQL schema, MariaDB database) */
  name?: string;
  serviceArgs?: string[];
  /** environment of the hosts */
  hostEnv?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export class SoakRig {
  readonly name: string;
  readonly store: string;
  db!: pg.Client;
  maria?: mysql.Connection;
  az?: AzuriteServer;
  blobs!: BlobServiceClient;
  lb!: TcpBalancer;
  channel!: FaultProxy;
  pgSource!: FaultProxy;
  pgSink!: FaultProxy;
  mariaSource!: FaultProxy;
  blobSink!: FaultProxy;
  readonly replicas: ServiceProcess[] = [];
  private replicaArgs: string[][] = [];
  arm!: DataFactoryManagementClient;
  readonly nodes: SoakNode[] = [];

  constructor(readonly o: RigOptions) {
    this.name = o.name ?? uniqueName('soak');
    this.store = `${this.name}_svc`;
  }

  log(line: string): void {
    this.o.log?.(line);
  }

  async start(): Promise<this> {
    ensureBuilt();
    this.db = new pg.Client({ connectionString: PG_URL });
    await this.db.connect();
    await this.db.query(`create schema ${this.name}`);
    const mu = new URL(MARIADB_URL);
    this.maria = await mysql.createConnection({ host: mu.hostname, port: Number(mu.port || 3306), user: decodeURIComponent(mu.username), password: decodeURIComponent(mu.password), multipleStatements: true });
    await this.maria.query(`CREATE DATABASE \`${this.name}\``);
    if (this.o.blob !== false) {
      this.az = await startAzurite();
      this.blobs = BlobServiceClient.fromConnectionString(this.az.connectionString);
    }

    const ports = [await freePort(), await freePort()];
    this.lb = await startTcpBalancer(ports, 'failover');
    this.channel = await startFaultProxy(this.lb.port);
    const data = tempDir('dmgw-soak-svc');
    const settings = this.o.serviceArgs ?? ['--lease-seconds', '6', '--heartbeat-seconds', '1', '--poll-seconds', '5'];
    this.replicaArgs = ports.map((port) => ['--port', String(port), '--data', data, '--postgres', PG_URL, '--schema', this.store, '--public-url', `https://127.0.0.1:${this.channel.port}`, ...settings]);
    // the first makes the shared TLS identity, token and master key; the second finds them
    for (const args of this.replicaArgs) this.replicas.push(await spawnService(args));
    this.arm = armClient(this.replicas[1]!);

    const pgPort = Number(new URL(PG_URL).port || 5432);
    this.pgSource = await startFaultProxy(pgPort);
    this.pgSink = await startFaultProxy(pgPort);
    this.mariaSource = await startFaultProxy(Number(mu.port || 3306));
    if (this.az) this.blobSink = await startFaultProxy(this.az.port);

    const arm = this.arm;
    await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
    const via = { referenceName: GW, type: 'IntegrationRuntimeReference' };
    const pgAt = (port: number) => pgConnectionString(PG_URL).replace(/Port=\d+/, `Port=${port}`);
    const mariaAt = new URL(MARIADB_URL);
    mariaAt.port = String(this.mariaSource.port);
    mariaAt.pathname = `/${this.name}`;
    const services: Array<[string, Record<string, unknown>]> = [
      ['PgSource', { type: 'PostgreSql', typeProperties: { connectionString: pgAt(this.pgSource.port) } }],
      ['PgSink', { type: 'PostgreSql', typeProperties: { connectionString: pgAt(this.pgSink.port) } }],
      ['MariaSource', { type: 'MariaDB', typeProperties: { connectionString: mariadbConnectionString(mariaAt.toString()) } }],
    ];
    if (this.blobSink) services.push(['BlobSink', { type: 'AzureBlobStorage', typeProperties: { connectionString: devConnectionString(this.blobSink.port) } }]);
    // after the nodes: a secret in a linked service is encrypted for the gateway's node certificate on arrival
    for (let i = 0; i < this.o.nodes; i++) await this.addNode(`node-${i + 1}`);
    // the blob account key is kept by the service (no connectVia), as test/integration/killedWorker.test.ts does: with
    // connectVia it would have to be encrypted for one certificate shared by all the nodes
    for (const [name, p] of services) await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, name, { properties: { ...p, ...(name === 'BlobSink' ? {} : { connectVia: via }) } as never });
    return this;
  }

  /** Registers a node in its own home and starts its host; resolves once it is Online. */
  async addNode(name: string): Promise<SoakNode> {
    const node: SoakNode = { name, home: tempDir(`dmgw-soak-${name}`) };
    const key = (await this.arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
    const r = await runCli(['register', '--key-stdin', '--node-name', name], { env: { ...process.env, DMGW_HOME: node.home }, input: key });
    if (r.code !== 0) throw new Error(`dmgw register ${name} failed: ${r.stderr}`);
    this.nodes.push(node);
    this.startHost(node);
    await until(`${name} online`, () => this.hostState(node)?.status === 'Online' || undefined, 90_000);
    return node;
  }

  startHost(node: SoakNode): void {
    node.host = spawn(process.execPath, [CLI, 'host'], { env: { ...process.env, DMGW_HOME: node.home, ...this.o.hostEnv }, stdio: 'ignore' });
  }

  async killHost(node: SoakNode): Promise<void> {
    const h = node.host;
    if (!h || h.exitCode !== null || h.signalCode !== null) return;
    const exited = new Promise((r) => h.once('exit', r));
    h.kill('SIGKILL');
    await exited;
  }

  hostState(node: SoakNode): HostState | undefined {
    try {
      return JSON.parse(readFileSync(join(node.home, 'host-state.json'), 'utf8')) as HostState;
    } catch {
      return undefined;
    }
  }

  hostLog(node: SoakNode): string {
    try {
      return readFileSync(join(node.home, 'logs', 'dmgw.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** kill -9 of replica `i`; the balancer sends new connections to the other one. */
  async killReplica(i: number): Promise<void> {
    await this.replicas[i]!.stop('SIGKILL');
  }

  /** Replica `i` again, same port, data and store. */
  async restartReplica(i: number): Promise<void> {
    this.replicas[i] = await until(`replica ${i} to start again`, () => spawnService(this.replicaArgs[i]!), 60_000, 500);
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) await this.killHost(n).catch(() => undefined);
    for (const r of this.replicas) await r.stop('SIGKILL').catch(() => undefined);
    for (const p of [this.channel, this.pgSource, this.pgSink, this.mariaSource, this.blobSink]) await p?.close();
    await this.lb?.close();
    await this.az?.stop();
    await this.maria?.query(`DROP DATABASE IF EXISTS \`${this.name}\``).catch(() => undefined);
    await this.maria?.end().catch(() => undefined);
    await this.db?.query(`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query like '%${this.name}%'`).catch(() => undefined);
    await this.db?.query(`drop schema if exists ${this.name} cascade; drop schema if exists ${this.store} cascade`).catch(() => undefined);
    await this.db?.end().catch(() => undefined);
  }
}
