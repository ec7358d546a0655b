/**
 * examples/incremental end to end through the built CLI, as a user runs it: the example's own SQL sets up
 * PostgreSQL (orders, watermark table, procedure) and MariaDB (the warehouse table); `dmgw run` loads, the source
 * changes (new rows, and a loaded row updated: the sink upserts by id), `dmgw run` loads again, and after every run the warehouse equals the source row for row (each side
 * dumped by its own SQL) and the watermark table holds the newest timestamp to the microsecond and the newest id
 * to the last of its 64 bits. The rows sit at the boundary on purpose: a watermark cut to milliseconds would miss
 * the row at .123456 in the first run; one rounded up would skip the row at .123457 in the second.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/common/events.js';
import { ensureBuilt, ROOT, runCli } from '../support/builtCli.js';
import { MARIADB_URL, PG_URL, requireServer, uniqueName } from '../support/servers.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const mariaUp = await requireServer('MariaDB', 3306);
const EXAMPLE = join(ROOT, 'examples', 'incremental');

describe.skipIf(!pgUp || !mariaUp)('examples/incremental: watermark load, run, change, run again', () => {
  const schema = uniqueName('incr');
  const db = uniqueName('incrwh');
  let source: pg.Client;
  let sink: mysql.Connection;
  let dir: string;
  const home = mkdtempSync(join(tmpdir(), 'dmgw-home-'));

  /** The example pointed at this test's schema and database (text edits only: the pipeline stays as written). */
  function prepare(): string {
    const d = mkdtempSync(join(tmpdir(), 'dmgw-incremental-'));
    cpSync(EXAMPLE, d, { recursive: true });
    const pgUrl = new URL(PG_URL);
    for (const kind of ['linkedService', 'dataset', 'pipeline']) {
      for (const f of readdirSync(join(d, kind))) {
        const p = join(d, kind, f);
        writeFileSync(
          p,
          readFileSync(p, 'utf8')
            .replace(/\bsales\./g, `${schema}.`)
            .replace('"schema": "sales"', `"schema": "${schema}"`)
            .replace('Server=127.0.0.1;Port=5432;Database=sales;UID=gateway', `Server=${pgUrl.hostname};Port=${pgUrl.port || 5432};Database=${pgUrl.pathname.slice(1)};UID=${pgUrl.username}`)
            .replace('Server=127.0.0.1;Port=3306;Database=warehouse;UID=loader', `Server=127.0.0.1;Port=3306;Database=${db};UID=${decodeURIComponent(new URL(MARIADB_URL).username)}`),
        );
      }
    }
    return d;
  }

  const sql = (file: string) => readFileSync(join(EXAMPLE, file), 'utf8').replace(/\bsales\b/g, schema);

  beforeAll(async () => {
    ensureBuilt();
    source = new pg.Client(PG_URL);
    await source.connect();
    await source.query(sql('setup-postgresql.sql'));
    sink = await mysql.createConnection({ uri: MARIADB_URL, multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    await sink.query(`CREATE DATABASE \`${db}\``);
    await sink.query(`USE \`${db}\``);
    await sink.query(sql('setup-mariadb.sql'));
    dir = prepare();
  });
  afterAll(async () => {
    await source?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await source?.end();
    await sink?.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await sink?.end();
  });

  const insert = (rows: Array<[string, string, string, string]>) => source.query(`INSERT INTO ${schema}.orders VALUES ${rows.map((_, i) => `($${i * 4 + 1}::bigint, $${i * 4 + 2}, $${i * 4 + 3}::numeric, $${i * 4 + 4}::timestamptz)`).join(', ')}`, rows.flat());

  /** Each side in its own words: id, customer, amount to 6 places, the UTC time to the microsecond. */
  async function sourceRows(): Promise<string[]> {
    const r = await source.query<{ row: string }>(`SELECT id::text || '|' || customer || '|' || to_char(amount, 'FM999999999990.000000') || '|' || to_char(modified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS row FROM ${schema}.orders ORDER BY id`);
    return r.rows.map((x) => x.row);
  }
  async function sinkRows(): Promise<string[]> {
    const [rows] = await sink.query(`SELECT CONCAT(CAST(id AS CHAR), '|', customer, '|', CAST(amount AS CHAR), '|', DATE_FORMAT(modified_at, '%Y-%m-%d %H:%i:%s.%f')) AS \`row\` FROM \`${db}\`.orders ORDER BY id`);
    return (rows as Array<{ row: string }>).map((x) => x.row);
  }
  async function watermark(): Promise<{ at: string; lastId: string | null }> {
    const r = await source.query<{ at: string; last_id: string | null }>(`SELECT to_char(watermark_value AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at, last_id::text AS last_id FROM ${schema}.watermarks WHERE table_name = 'orders'`);
    return { at: r.rows[0]!.at, lastId: r.rows[0]!.last_id };
  }

  async function load() {
    const r = await runCli(['run', '--factory', dir, '--pipeline', 'IncrementalCopyOrders', '--events', 'ndjson', '--json'], { env: { ...process.env, DMGW_HOME: home } });
    const lines = r.stdout.trim().split('\n');
    const events = lines.slice(0, -1).map((l) => JSON.parse(l) as RunEvent);
    const result = JSON.parse(lines[lines.length - 1]!) as { status: string; activities: Array<{ name: string; output?: Record<string, unknown>; error?: unknown }> };
    expect(r.stderr).toBe('');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const act = (name: string) => result.activities.find((a) => a.name === name)!;
    return { events, result, copied: act('IncrementalCopy').output!.rowsCopied as number, newWatermark: act('LookupNewWatermark').output!.firstRow as Record<string, unknown>, raw: r.stdout };
  }

  it('copies each row exactly once across runs, the boundary rows included, and stores the exact watermark', async () => {
    await insert([
      ['1', 'first', '10.5', '2024-02-29 23:59:59.999999+00'],
      ['9007199254740993', 'beyond a double', '0.000001', '2024-03-01 10:00:00.123455+00'],
      ['9223372036854775806', 'the boundary row', '123456789012.123456', '2024-03-01 12:00:00.123456+02'],
    ]);
    const first = await load();
    expect(first.copied).toBe(3);
    // the new watermark as Lookup read it, digits and all, in the run's own output
    expect(first.raw).toContain('"firstRow":{"new_watermark":"2024-03-01T10:00:00.123456Z","max_id":9223372036854775806}');
    expect(await sinkRows()).toEqual(await sourceRows());
    expect(await watermark()).toEqual({ at: '2024-03-01 10:00:00.123456', lastId: '9223372036854775806' });

    // the source changes: one microsecond after the boundary, later rows, the largest bigint, and a row loaded before
    // is changed (its modified_at moves past the watermark): the upsert sink replaces it instead of adding it twice
    await insert([
      ['9223372036854775807', 'the largest id', '1.000000', '2024-03-01 10:00:00.123457+00'],
      ['42', 'later', '99.99', '2024-03-02 08:15:00+00'],
      ['43', 'later still, another zone', '0', '2024-03-02 09:15:00.5-05:00'],
    ]);
    await source.query(`UPDATE ${schema}.orders SET customer = 'first, changed', amount = 11.25, modified_at = '2024-03-02 09:00:00.000001+00' WHERE id = 1`);
    const second = await load();
    expect(second.copied).toBe(4);
    expect(await sinkRows()).toEqual(await sourceRows());
    expect(await watermark()).toEqual({ at: '2024-03-02 14:15:00.500000', lastId: '9223372036854775807' });

    // nothing new: nothing copied, the warehouse still equal
    const third = await load();
    expect(third.copied).toBe(0);
    expect(await sinkRows()).toEqual(await sourceRows());
    expect((await sinkRows()).length).toBe(6);
  });
});
