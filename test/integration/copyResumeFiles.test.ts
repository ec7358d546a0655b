/**
 * Resume (copy/resume.ts) into file and blob sinks, through the built CLI on the real PostgreSQL and a real Azurite: a
 * Copy of 4 DynamicRange partitions, one at a time, into CSV files in a folder (the fast path: PostgreSQL writes the
 * CSV) and into CSV blobs (the row path: a translator), whose `dmgw run` is SIGKILLed right after its 2nd partition
 * was journaled (the test-only DMGW_TEST_DIE_AFTER_PARTITIONS), is run again with the same `--run-id`:
 * - after the kill nothing is visible in the sink; the 2 finished partitions' staged output is still there (a kept
 *   temp file each in the folder; uncommitted blocks of their 2 blobs, none for the other 2);
 * - between the runs the source changes everywhere (every text, a row added inside a finished partition): the
 *   resumed copy must not read the finished partitions again, so the sink holds their ORIGINAL text and not the new
 *   row, the CHANGED text for the rest — each row exactly once (count and a checksum of the rows read back);
 * - the output says 2 partitions were resumed and counts every row once; nothing kept, no journal is left.
 * The activity's policy retry resumes in-process into the folder too: a first attempt that fails in its last
 * partition is retried from that partition alone; the 3 finished ones' files survive the failed attempt's abort. A run
 * that fails for good, or is cancelled, after partitions were kept leaves neither their files nor the journal.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { ensureBuilt, runCli } from '../support/builtCli.js';
import { dropSchema, openSchema, testFactory, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const RANGE = { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id', partitionLowerBound: '1', partitionUpperBound: '4000' } };

/** CSV rows `id,v` (header first; no quoting needed for these texts) → sorted `[id, v]`, and a SHA-256 over them */
function rowsOf(texts: string[]): { rows: Array<[number, string]>; sum: string } {
  const rows: Array<[number, string]> = [];
  for (const t of texts) {
    const lines = t.split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toBe('id,v');
    for (const l of lines.slice(1)) {
      const at = l.indexOf(',');
      rows.push([Number(l.slice(0, at)), l.slice(at + 1)]);
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  return { rows, sum: createHash('sha256').update(rows.map((r) => r.join(',')).join('\n')).digest('hex') };
}

/** what the sink must hold after the resumed run: partitions 0..1 (ids ≤ 2000) as first read, the rest as changed */
function expected(): { rows: Array<[number, string]>; sum: string } {
  const rows: Array<[number, string]> = [];
  for (let id = 1; id <= 4001; id++) {
    if (id === 1500) continue;
    rows.push([id, id <= 2000 ? `original ${id}` : id === 4001 ? 'new in an unfinished partition' : `changed ${id}`]);
  }
  return { rows, sum: createHash('sha256').update(rows.map((r) => r.join(',')).join('\n')).digest('hex') };
}

describe.skipIf(!up)('a killed Copy into files or blobs resumes from its finished partitions (dmgw run --run-id)', () => {
  const schema = uniqueName('resumef');
  let client: pg.Client;
  let f: TestFactory;
  let az: AzuriteServer;
  let blobs: BlobServiceClient;

  const resetSource = async (table: string) => {
    await client.query(`DROP TABLE IF EXISTS ${schema}.${table}`);
    await client.query(`CREATE TABLE ${schema}.${table} (id bigint primary key, v text)`);
    // ids 1..4000: DynamicRange cuts at 1001, 2001, 3001; 1500 is added later, inside a finished partition
    await client.query(`INSERT INTO ${schema}.${table} SELECT g, 'original ' || g FROM generate_series(1, 4000) g WHERE g <> 1500`);
  };
  const changeSource = async (table: string) => {
    await client.query(`UPDATE ${schema}.${table} SET v = 'changed ' || id`);
    await client.query(`INSERT INTO ${schema}.${table} VALUES (1500, 'new in a finished partition'), (4001, 'new in an unfinished partition')`);
  };
  const journals = () => (existsSync(join(f.home, 'resume')) ? readdirSync(join(f.home, 'resume')) : []);
  const pipeline = (name: string, input: string, output: string, typeProperties: Record<string, unknown>) =>
    f.write('pipeline', name, { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: input, type: 'DatasetReference' }], outputs: [{ referenceName: output, type: 'DatasetReference' }], typeProperties }] });
  const run = (pipelineName: string, runId: string, env: Record<string, string> = {}) => runCli(['run', '--factory', f.dir, '--pipeline', pipelineName, '--run-id', runId, '--events', 'ndjson', '--json'], { env: { ...process.env, DMGW_HOME: f.home, ...env } });
  const outputOf = (stdout: string) => {
    const lines = stdout.trim().split('\n');
    return { lines, out: (JSON.parse(lines[lines.length - 1]!) as { activities: Array<{ output?: Record<string, unknown> }> }).activities[0]!.output! };
  };

  beforeAll(async () => {
    ensureBuilt();
    az = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    client = await openSchema(schema);
    f = testFactory({ blobConnectionString: az.connectionString });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
    f.dataset('FolderOut', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'out' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true });
    f.dataset('BlobOut', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'resume', folderPath: 'out' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true });
  }, 60_000);
  afterAll(async () => {
    await dropSchema(client, schema);
    await az?.stop();
  });

  it('into a folder: killed after 2 of 4 partitions, the same run id writes only the other 2, every row once', async () => {
    await resetSource('src');
    pipeline('ToFolder', 'Src', 'FolderOut', { source: { type: 'PostgreSqlSource', ...RANGE }, sink: { type: 'DelimitedTextSink', storeSettings: { type: 'FileServerWriteSettings' } }, parallelCopies: 1, validateDataConsistency: true });
    const dir = join(f.files, 'out');
    const killed = await run('ToFolder', 'run-files-1', { DMGW_TEST_DIE_AFTER_PARTITIONS: '2' });
    expect(killed.code, killed.stderr).toBeNull(); // killed by a signal
    const left = readdirSync(dir).sort();
    // nothing visible; partitions 0 and 1 kept, each a whole CSV of its rows
    expect(left.filter((n) => !n.startsWith('.'))).toEqual([]);
    const kept = left.filter((n) => /^\.data_0000[01]\.csv\.kept-[0-9a-f]{12}\.dmgw-tmp$/.test(n));
    expect(kept).toHaveLength(2);
    expect(left).toHaveLength(2);
    expect(kept.map((n) => readFileSync(join(dir, n), 'utf8').trim().split('\n').length - 1)).toEqual([1000, 999]);
    expect(journals()).toHaveLength(1);

    await changeSource('src');
    const again = await run('ToFolder', 'run-files-1');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const { lines, out } = outputOf(again.stdout);
    expect(out.partitionsResumed).toBe(2);
    expect(out.rowsCopied).toBe(4000);
    expect(out.rowsRead).toBe(4000);
    expect((out.dataConsistencyVerification as { ok: boolean }).ok).toBe(true);
    expect(lines.some((l) => l.includes('resuming: 2 of 4 partition(s)'))).toBe(true);

    const names = readdirSync(dir).sort();
    expect(names).toEqual(['data_00000.csv', 'data_00001.csv', 'data_00002.csv', 'data_00003.csv']);
    const got = rowsOf(names.map((n) => readFileSync(join(dir, n), 'utf8')));
    const want = expected();
    expect(got.rows.length).toBe(4000);
    expect(new Set(got.rows.map((r) => r[0])).size).toBe(4000);
    expect(got.rows.find((r) => r[0] === 1500)).toBeUndefined();
    expect(got.sum).toBe(want.sum);
    expect(got.rows).toEqual(want.rows);
    expect(journals()).toEqual([]);
  });

  it('into blobs: killed after 2 of 4 partitions, the kept blocks are committed with the other 2, every row once', async () => {
    await resetSource('src2');
    f.dataset('Src2', 'PostgreSqlTable', 'Pg', { schema, table: 'src2' });
    const translator = { type: 'TabularTranslator', mappings: [{ source: { name: 'id' }, sink: { name: 'id' } }, { source: { name: 'v' }, sink: { name: 'v' } }] };
    pipeline('ToBlob', 'Src2', 'BlobOut', { source: { type: 'PostgreSqlSource', ...RANGE }, sink: { type: 'DelimitedTextSink', storeSettings: { type: 'AzureBlobStorageWriteSettings' } }, translator, parallelCopies: 1, validateDataConsistency: true });
    const c = blobs.getContainerClient('resume');
    const listed = async () => {
      const out: string[] = [];
      for await (const b of c.listBlobsFlat({ prefix: 'out/' })) out.push(b.name);
      return out.sort();
    };
    const uncommitted = async (name: string) => ((await c.getBlockBlobClient(name).getBlockList('uncommitted').catch(() => undefined))?.uncommittedBlocks ?? []).length;

    const killed = await run('ToBlob', 'run-blob-1', { DMGW_TEST_DIE_AFTER_PARTITIONS: '2' });
    expect(killed.code, killed.stderr).toBeNull();
    expect(await listed()).toEqual([]);
    expect([await uncommitted('out/data_00000.csv'), await uncommitted('out/data_00001.csv'), await uncommitted('out/data_00002.csv'), await uncommitted('out/data_00003.csv')].map((n) => n > 0)).toEqual([true, true, false, false]);

    await changeSource('src2');
    const again = await run('ToBlob', 'run-blob-1');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const { lines, out } = outputOf(again.stdout);
    expect(out.partitionsResumed).toBe(2);
    expect(out.rowsCopied).toBe(4000);
    expect((out.dataConsistencyVerification as { ok: boolean }).ok).toBe(true);
    expect(lines.some((l) => l.includes('resuming: 2 of 4 partition(s)'))).toBe(true);

    const names = await listed();
    expect(names).toEqual(['out/data_00000.csv', 'out/data_00001.csv', 'out/data_00002.csv', 'out/data_00003.csv']);
    const texts = await Promise.all(names.map(async (n) => (await c.getBlobClient(n).downloadToBuffer()).toString('utf8')));
    const got = rowsOf(texts);
    const want = expected();
    expect(got.rows.length).toBe(4000);
    expect(got.sum).toBe(want.sum);
    expect(got.rows).toEqual(want.rows);
    for (const n of names) expect(await uncommitted(n)).toBe(0);
    expect(journals()).toEqual([]);
  });

  it('the policy retry resumes in-process into a folder: the first attempt fails in partition 3 after 0..2 finished', async () => {
    await resetSource('src3');
    await client.query(`CREATE SEQUENCE ${schema}.tries`);
    f.dataset('Src3', 'PostgreSqlTable', 'Pg', { schema, table: 'src3' });
    f.dataset('FolderOut3', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'out3' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true });
    // the subquery runs only when row 3500 is read (partition 3): the first time it divides by zero, then it passes
    const query = `SELECT id, v FROM ${schema}.src3 WHERE id <> 3500 OR (SELECT 1 / (nextval('${schema}.tries') - 1)::int) = 1`;
    const r = await f.copy(
      'RetryFolder',
      'Src3',
      'FolderOut3',
      { source: { type: 'PostgreSqlSource', query, ...RANGE }, sink: { type: 'DelimitedTextSink', storeSettings: { type: 'FileServerWriteSettings' } }, parallelCopies: 1, validateDataConsistency: true },
      { policy: { retry: 1, retryIntervalInSeconds: 30 }, secondMs: 1, runId: 'run-files-retry' },
    );
    expect(r.error, JSON.stringify(r.events.filter((e) => e.event === 'log' || e.event === 'activity-finished'))).toBeUndefined();
    const copy = r.activities[0]!;
    expect(copy.attempts).toBe(2);
    expect(copy.output!.partitionsResumed).toBe(3);
    const logs = r.events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
    expect(logs.some((m) => m.includes('try 1 of 2 failed: division by zero'))).toBe(true);
    expect(logs.some((m) => m.includes('resuming: 3 of 4 partition(s)'))).toBe(true);
    const dir = join(f.files, 'out3');
    const names = readdirSync(dir).sort();
    expect(names).toEqual(['data_00000.csv', 'data_00001.csv', 'data_00002.csv', 'data_00003.csv']);
    const got = rowsOf(names.map((n) => readFileSync(join(dir, n), 'utf8')));
    expect(got.rows.length).toBe(3999);
    expect(new Set(got.rows.map((r) => r[0])).size).toBe(3999);
    expect(got.rows.every(([id, v]) => v === `original ${id}`)).toBe(true);
    expect(journals()).toEqual([]);
  });

  it('a run that fails for good, or is cancelled, leaves neither kept files nor a journal', async () => {
    await resetSource('src4');
    await client.query(`CREATE SEQUENCE ${schema}.tries4`);
    f.dataset('Src4', 'PostgreSqlTable', 'Pg', { schema, table: 'src4' });
    f.dataset('FolderOut4', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'out4' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true });
    const sink = { type: 'DelimitedTextSink', storeSettings: { type: 'FileServerWriteSettings' } };
    const dir = join(f.files, 'out4');
    // no retry: partition 3 divides by zero after 0..2 were kept; the run ends here, so what they kept goes
    const failing = `SELECT id, v FROM ${schema}.src4 WHERE id <> 3500 OR (SELECT 1 / (nextval('${schema}.tries4') - 1)::int) = 1`;
    const failed = await f.copy('FailFolder', 'Src4', 'FolderOut4', { source: { type: 'PostgreSqlSource', query: failing, ...RANGE }, sink, parallelCopies: 1 }, { runId: 'run-files-fail' });
    expect(failed.activities[0]!.error?.message).toContain('division by zero');
    expect(readdirSync(dir)).toEqual([]);
    expect(journals()).toEqual([]);

    // cancelled while partition 2 waits at a lock the test holds, after 0 and 1 were kept
    const gate = 731_014;
    await client.query(`CREATE FUNCTION ${schema}.gate4(i bigint) RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT true FROM (SELECT CASE WHEN i = 2500 THEN pg_advisory_xact_lock_shared(${gate}) END) x'`);
    const holder = await openSchema(`${schema}_x`);
    try {
      await holder.query(`SELECT pg_advisory_lock(${gate})`);
      const stop = new AbortController();
      const running = f.copy('CancelFolder', 'Src4', 'FolderOut4', { source: { type: 'PostgreSqlSource', query: `SELECT id, v FROM ${schema}.src4 WHERE ${schema}.gate4(id)`, ...RANGE }, sink, parallelCopies: 1 }, { runId: 'run-files-cancel', signal: stop.signal });
      await until('2 partitions kept', () => (readdirSync(dir).filter((n) => n.includes('.kept-')).length === 2 && journals().length === 1 ? true : undefined), 30_000, 20);
      stop.abort();
      await holder.query(`SELECT pg_advisory_unlock(${gate})`);
      const r = await running;
      expect(r.activities[0]!.status).toBe('Cancelled');
      await until('the kept files discarded', () => (readdirSync(dir).length === 0 ? true : undefined), 10_000, 50);
      expect(journals()).toEqual([]);
    } finally {
      await dropSchema(holder, `${schema}_x`);
    }
  });
});
