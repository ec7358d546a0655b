/**
 * `dmgw run` as users (and the VS Code extension) start it: the built CLI in a child process.
 * ndjson events in order with the final counts; a bad pipeline name; SIGINT mid-copy commits nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/common/events.js';
import { ExitCode } from '../../src/common/exitCodes.js';
import { testFactory, type TestFactory } from '../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('copycli');
const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'agent', 'cli.js');

let f: TestFactory;
/** `dmgw ...args` with the test factory's gateway home, which allows its files folder */
const env = () => ({ ...process.env, DMGW_HOME: f.home });

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe.skipIf(!up)('dmgw run (built CLI)', () => {
  let client: pg.Client;

  beforeAll(async () => {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.orders AS SELECT g AS id, 'order ' || g AS name, g * 0.5 AS amount FROM generate_series(1, 5000) g`);
    f = testFactory();
    f.dataset('Orders', 'PostgreSqlTable', 'Pg', { schema, table: 'orders' });
    f.write('dataset', 'OrdersCsv', {
      type: 'DelimitedText',
      linkedServiceName: { referenceName: 'Files', type: 'LinkedServiceReference' },
      parameters: { day: { type: 'String' } },
      typeProperties: { location: { type: 'FileServerLocation', folderPath: { value: '@concat(\'out/\', dataset().day)', type: 'Expression' }, fileName: 'orders.csv.gz' }, firstRowAsHeader: true, escapeChar: '"', compressionCodec: 'gzip' },
    });
    f.write('pipeline', 'Export', {
      parameters: { day: { type: 'String', defaultValue: '2024-01-01' }, slow: { type: 'String', defaultValue: 'false' } },
      activities: [
        {
          name: 'CopyOrders',
          type: 'Copy',
          inputs: [{ referenceName: 'Orders', type: 'DatasetReference' }],
          outputs: [{ referenceName: 'OrdersCsv', type: 'DatasetReference', parameters: { day: '@pipeline().parameters.day' } }],
          typeProperties: {
            source: { type: 'PostgreSqlSource', query: `@if(equals(pipeline().parameters.slow, 'true'), 'SELECT o.id, o.name, o.amount FROM ${schema}.orders AS o CROSS JOIN LATERAL (SELECT pg_sleep(0.002) WHERE o.id > 0) AS s', 'SELECT * FROM ${schema}.orders')` },
            sink: { type: 'DelimitedTextSink' },
            validateDataConsistency: true,
          },
        },
        { name: 'AfterCopy', type: 'Wait', dependsOn: [{ activity: 'CopyOrders', dependencyConditions: ['Succeeded'] }], typeProperties: { waitTimeInSeconds: 0 } },
        { name: 'OnFailure', type: 'Wait', dependsOn: [{ activity: 'CopyOrders', dependencyConditions: ['Failed'] }], typeProperties: { waitTimeInSeconds: 0 } },
      ],
    });
  });
  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.end();
  });

  it('--events ndjson: run/activity events in order, final counts, one JSON object per line', async () => {
    const r = await run(['run', '--factory', f.dir, '--pipeline', 'Export', '--param', 'day=2024-03-01', '--events', 'ndjson']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.Ok);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    const kinds = events.filter((e) => e.event !== 'progress' && e.event !== 'log').map((e) => `${e.event}${'activity' in e && e.activity ? `:${e.activity}` : ''}`);
    expect(kinds).toEqual(['run-started', 'activity-started:CopyOrders', 'activity-finished:CopyOrders', 'activity-started:AfterCopy', 'activity-finished:AfterCopy', 'run-finished']);
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    expect(events[0]).toMatchObject({ event: 'run-started', pipeline: 'Export', parameters: { day: '2024-03-01' } });
    const done = events.find((e) => e.event === 'activity-finished' && e.activity === 'CopyOrders');
    expect(done).toMatchObject({ status: 'Succeeded', output: { rowsRead: 5000, rowsCopied: 5000, files: ['out/2024-03-01/orders.csv.gz'], dataConsistencyVerification: { ok: true, sourceRows: 5000, sinkRows: 5000 } } });
    expect(events.at(-1)).toMatchObject({ event: 'run-finished', status: 'Succeeded' });
    expect(existsSync(join(f.files, 'out/2024-03-01/orders.csv.gz'))).toBe(true);
  });

  it('a pipeline that does not exist: exit 1, one clear line, no stack', async () => {
    const r = await run(['run', '--factory', f.dir, '--pipeline', 'Nope']);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.stderr).toMatch(/pipeline "Nope" is not in factory .* — pipelines there: Export/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const usage = await run(['run', '--factory', f.dir]);
    expect(usage.code).toBe(ExitCode.Usage);
  });

  it('SIGINT mid-copy: exit code Cancelled, nothing committed, no temp files', async () => {
    const child = spawn(process.execPath, [CLI, 'run', '-f', f.dir, '-p', 'Export', '--param', 'day=cancelled', '--param', 'slow=true', '--events', 'ndjson', '--json'], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const code = await new Promise<number | null>((res) => {
      child.stdout.on('data', (b: Buffer) => {
        stdout += b;
        if (stdout.includes('"event":"progress"') && !child.killed) child.kill('SIGINT');
      });
      child.on('close', res);
    });
    expect(code).toBe(ExitCode.Cancelled);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent & { status?: string; activities?: unknown });
    expect(lines.find((e) => e.event === 'run-finished')).toMatchObject({ status: 'Cancelled' });
    expect(lines.at(-1)).toMatchObject({ status: 'Cancelled', pipeline: 'Export' });
    const dir = join(f.files, 'out/cancelled');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
