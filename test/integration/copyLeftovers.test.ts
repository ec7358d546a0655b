/**
 * What a worker killed with SIGKILL mid-copy leaves behind, and the next run into the same target cleaning it:
 * the built `dmgw run` in a child process, killed once rows are flowing; its PostgreSQL staging tables and its
 * temp files in the sink folder are there afterwards (the scenario is real), and gone after the next run, whose
 * target then holds every source row exactly once. A stage a live session still holds is never dropped.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStage } from '../../src/agent/connectors/postgresStage.js';
import type { RunEvent } from '../../src/common/events.js';
import { ensureBuilt } from '../support/builtCli.js';
import { dropSchema, openSchema, tableDifference, testFactory, type TestFactory } from '../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('leftovers');
const ROWS = 20_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: RunEvent[];
  stderr: string;
}

/** Runs `dmgw run`; with `killWhen`, sends SIGKILL as soon as an event satisfies it. */
function dmgwRun(cli: string, f: TestFactory, pipeline: string, killWhen?: (e: RunEvent) => boolean): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [cli, 'run', '-f', f.dir, '-p', pipeline, '--events', 'ndjson'], { env: { ...process.env, DMGW_HOME: f.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: RunEvent[] = [];
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const e = JSON.parse(buf.slice(0, nl)) as RunEvent;
        buf = buf.slice(nl + 1);
        events.push(e);
        if (killWhen?.(e) && !child.killed) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('close', (code, signal) => res({ code, signal, events, stderr }));
  });
}

const flowing = (e: RunEvent) => e.event === 'progress' && e.rowsRead > 0;

describe.skipIf(!up)('copy: leftovers of a worker killed with SIGKILL', () => {
  let cli: string;
  let client: pg.Client;
  let f: TestFactory;
  const stages = async (table: string) =>
    (await client.query<{ relname: string }>(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname LIKE 'dmgw\\_stage\\_%' AND obj_description(c.oid, 'pg_class') LIKE $2 ORDER BY 1`, [schema, `%for ${schema}.${table},%`])).rows.map((r) => r.relname);
  const copy = (name: string, input: string, output: string, typeProperties: Record<string, unknown>) =>
    f.write('pipeline', name, { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: input, type: 'DatasetReference' }], outputs: [{ referenceName: output, type: 'DatasetReference' }], typeProperties }] });
  // two partitions, each row made to take ~0.3 ms on the server, so the copy runs for seconds
  const slow = { source: { type: 'PostgreSqlSource', query: `SELECT s.* FROM ${schema}.src s CROSS JOIN LATERAL (SELECT pg_sleep(0.0003) WHERE s.id > 0) z`, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, parallelCopies: 2 };
  const fast = { source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, parallelCopies: 2 };

  beforeAll(async () => {
    cli = ensureBuilt();
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.src AS SELECT g AS id, md5(g::text) AS t, g * 1.5 AS n FROM generate_series(1, ${ROWS}) g`);
    f = testFactory();
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  });
  afterAll(() => dropSchema(client, schema));

  it('PostgreSQL sink: the next run drops the killed run’s staging table and loads every row once', async () => {
    await client.query(`CREATE TABLE ${schema}.dst (LIKE ${schema}.src)`);
    f.dataset('Dst', 'PostgreSqlTable', 'Pg', { schema, table: 'dst' });
    copy('SlowToTable', 'Src', 'Dst', { ...slow, sink: { type: 'PostgreSqlSink' } });
    copy('ToTable', 'Src', 'Dst', { ...fast, sink: { type: 'PostgreSqlSink' } });

    const killed = await dmgwRun(cli, f, 'SlowToTable', flowing);
    expect(killed.signal).toBe('SIGKILL');
    const left = await stages('dst');
    expect(left).toHaveLength(1);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.dst`)).rows[0].n).toBe(0);

    const again = await dmgwRun(cli, f, 'ToTable');
    expect(again.code, again.stderr).toBe(0);
    const log = again.events.filter((e) => e.event === 'log').map((e) => e.message);
    expect(log.some((m) => m.includes('removed 1 leftover(s)') && m.includes(left[0]!))).toBe(true);
    expect(await stages('dst')).toEqual([]);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.dst`)).rows[0].n).toBe(ROWS);
    expect(await tableDifference(client, `${schema}.src`, `${schema}.dst`)).toBe(0);
  });

  it('PostgreSQL sink: a stage a live session holds is left alone, only the abandoned one is dropped', async () => {
    await client.query(`CREATE TABLE ${schema}.dst2 (LIKE ${schema}.src)`);
    f.dataset('Dst2', 'PostgreSqlTable', 'Pg', { schema, table: 'dst2' });
    copy('ToTable2', 'Src', 'Dst2', { ...fast, sink: { type: 'PostgreSqlSink' } });
    // a concurrent run's stage (its session holds the lock) and an abandoned one (its session ended), both older than the run
    const live = new pg.Client(PG_URL);
    const gone = new pg.Client(PG_URL);
    await live.connect();
    await gone.connect();
    try {
      const liveStage = await createStage(live, schema, 'dst2', 'id, t, n', Date.now() - 60_000);
      const goneStage = await createStage(gone, schema, 'dst2', 'id, t, n', Date.now() - 60_000);
      await gone.end();
      const r = await dmgwRun(cli, f, 'ToTable2');
      expect(r.code, r.stderr).toBe(0);
      expect(await stages('dst2')).toEqual([liveStage.table]);
      expect(r.events.some((e) => e.event === 'log' && e.message.includes(goneStage.table))).toBe(true);
      expect(await tableDifference(client, `${schema}.src`, `${schema}.dst2`)).toBe(0);
    } finally {
      await live.end();
    }
  });

  it('file sink: the next run removes the killed run’s temp files; the output holds every row once', async () => {
    const location = { type: 'FileServerLocation', folderPath: 'out', fileName: 'src.csv' };
    f.dataset('Csv', 'DelimitedText', 'Files', { location, firstRowAsHeader: true, escapeChar: '"' });
    copy('SlowToFile', 'Src', 'Csv', { ...slow, sink: { type: 'DelimitedTextSink' } });
    copy('ToFile', 'Src', 'Csv', { ...fast, sink: { type: 'DelimitedTextSink' } });
    const dir = join(f.files, 'out');
    const temps = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.dmgw-tmp')) : []);

    const killed = await dmgwRun(cli, f, 'SlowToFile', (e) => e.event === 'progress' && e.bytesWritten > 0);
    expect(killed.signal).toBe('SIGKILL');
    const left = temps();
    expect(left.length).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((n) => !n.endsWith('.dmgw-tmp'))).toEqual([]);

    const again = await dmgwRun(cli, f, 'ToFile');
    expect(again.code, again.stderr).toBe(0);
    expect(temps()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['src_00000.csv', 'src_00001.csv']);
    const log = again.events.filter((e) => e.event === 'log').map((e) => e.message);
    expect(log.some((m) => left.every((t) => m.includes(t)))).toBe(true);

    // load the files back and compare with the source
    await client.query(`CREATE TABLE ${schema}.back (LIKE ${schema}.src)`);
    f.dataset('Back', 'PostgreSqlTable', 'Pg', { schema, table: 'back' });
    f.dataset('CsvIn', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'out' }, firstRowAsHeader: true, escapeChar: '"' });
    const back = await f.copy('Back', 'CsvIn', 'Back', { source: {}, sink: {} });
    expect(back.error).toBeUndefined();
    expect(await tableDifference(client, `${schema}.src`, `${schema}.back`)).toBe(0);
  });
});
