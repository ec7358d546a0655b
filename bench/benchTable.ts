/**
 * The benchmark source table in the real PostgreSQL: `dmgw_bench.sales_orders_<rows>`, the demo's sample
 * columns and values (src/demo/sampleData.ts) at benchmark scale. Made once and reused while it has the right row
 * count. UNLOGGED: it is scratch data, and skipping the WAL halves the time to make 10M rows.
 */
import pg from 'pg';
import { createTableSql, finishTableSql, insertRowsSql } from '../src/demo/sampleData.js';

export const BENCH_SCHEMA = 'dmgw_bench';
export const BENCH_PG_URL = process.env.DMGW_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const BATCH = 1_000_000;

export interface BenchTable {
  schema: string;
  table: string;
  qualified: string;
  rows: number;
  created: boolean;
}

export async function ensureBenchTable(rows: number, log: (line: string) => void, url = BENCH_PG_URL): Promise<BenchTable> {
  const table = `sales_orders_${rows}`;
  const qualified = `${BENCH_SCHEMA}.${table}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [qualified]);
    if (exists.rows[0].e) {
      const t0 = performance.now();
      // count(*) reads every page: it also warms the cache the same way for every measurement that follows
      const { rows: r } = await client.query(`SELECT count(*)::bigint AS n FROM ${qualified}`);
      if (Number(r[0].n) === rows) {
        log(`reusing ${qualified} (${rows.toLocaleString('en-US')} rows; counted in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        return { schema: BENCH_SCHEMA, table, qualified, rows, created: false };
      }
      log(`${qualified} has ${r[0].n} rows, expected ${rows}: making it again`);
    }
    const t0 = performance.now();
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${BENCH_SCHEMA}`);
    await client.query(createTableSql(BENCH_SCHEMA, table));
    await client.query(`ALTER TABLE ${qualified} SET UNLOGGED`);
    for (let from = 1; from <= rows; from += BATCH) {
      await client.query(insertRowsSql(from, Math.min(rows, from + BATCH - 1), BENCH_SCHEMA, table));
      log(`  ${Math.min(rows, from + BATCH - 1).toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} rows`);
    }
    await client.query(finishTableSql(BENCH_SCHEMA, table));
    await client.query(`VACUUM ${qualified}`);
    await client.query(`SELECT count(*) FROM ${qualified}`);
    log(`made ${qualified} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return { schema: BENCH_SCHEMA, table, qualified, rows, created: true };
  } finally {
    await client.end();
  }
}
