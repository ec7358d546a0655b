/**
 * Builds throw-away factories (ADF Git layout in a temp dir) for copy tests, and the awkward table every
 * copy test moves: NULL vs '', quotes/delimiters/newlines in text, unicode (emoji, RTL), big numerics,
 * NaN/±Infinity, timestamps with zones, infinity dates, booleans, bytea, jsonb, uuid.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runPipeline, type PipelineRunResult, type RunPipelineOptions } from '../../src/agent/worker/runPipeline.js';
import type { RunEvent } from '../../src/common/events.js';
import { allowFileRoots } from './gatewayHome.js';
import { PG_URL } from './servers.js';

export const pgConnectionString = (url = PG_URL): string => {
  const u = new URL(url);
  return `Server=${u.hostname};Port=${u.port || 5432};Database=${u.pathname.slice(1)};UID=${decodeURIComponent(u.username)}${u.password ? `;Password=${decodeURIComponent(u.password)}` : ''}`;
};

export const AWKWARD_COLUMNS = 'id int primary key, t text, v varchar(50), n numeric, f float8, ts timestamptz, tsl timestamp, d date, b boolean, by bytea, j jsonb, u uuid';

export async function createAwkward(client: pg.Client, table: string, extraRows = 2000): Promise<void> {
  await client.query(`CREATE TABLE ${table} (${AWKWARD_COLUMNS})`);
  await client.query(`INSERT INTO ${table} VALUES
    (1, E'hello, "world"\\nline2\\r\\nline3', '', 12345678901234567890.123456789, 1.5e300, '2024-03-01 10:00:00.123456+02', '2024-03-01 10:00:00', '2024-03-01', true, '\\x00ff', '{"a":[1,2.50],"b":"x","big":12345678901234567890}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (2, '', NULL, -0.000001, 'NaN', NULL, NULL, NULL, false, '\\x', 'null', NULL),
    (3, NULL, E'tab\\there', 0, '-Infinity', 'infinity', '-infinity', '-infinity', NULL, NULL, NULL, NULL),
    (4, 'emoji 😀 rtl עברית مرحبا', E'back\\\\slash \\\\N', 1e-20, -0.0, '1999-12-31 23:59:59.999999-08', '0001-01-01 00:00:00', '0001-01-01', true, '\\xdeadbeef', '[]', NULL),
    (5, 'NULL', E'\\\\N', 100, 0.1, '2038-01-19 03:14:07+00', '2038-01-19 03:14:07', '2038-01-19', false, '\\x0a0d09', '{"q":"\\"quoted\\", comma\\nnewline"}', NULL),
    (6, ';|,', '"', -99999999999999999999.99999, 3.141592653589793, '2024-06-30 12:00:00+05:30', NULL, '2024-02-29', true, NULL, '{}', NULL),
    (7, ' leading and trailing ', E'\\r', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '"a string"', NULL)`);
  if (extraRows > 0) {
    await client.query(`INSERT INTO ${table} SELECT g, 'row ' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE md5(g::text) END, g * 1.25, g / 3.0, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', '2024-01-01'::timestamp + g * interval '1 second', '2024-01-01'::date + (g % 1000), g % 2 = 0, decode(md5(g::text), 'hex'), jsonb_build_object('g', g), NULL FROM generate_series(100, ${99 + extraRows}) g`);
  }
}

/** Rows of `a` missing from `b` plus rows of `b` missing from `a` (multiset difference); 0 = equal. */
export async function tableDifference(client: pg.Client, a: string, b: string): Promise<number> {
  const r = await client.query<{ n: string }>(`SELECT (SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x) + (SELECT count(*) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}) y) AS n`);
  return Number(r.rows[0]!.n);
}

/** A session on the test database with a new schema `schema` in it (`dropSchema` ends both). */
export async function openSchema(schema: string): Promise<pg.Client> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } catch (e) {
    await client.end();
    throw e;
  }
  return client;
}

/** Drops `schema` and ends the session; either may be missing (a suite whose setup failed). */
export async function dropSchema(client: pg.Client | undefined, schema: string): Promise<void> {
  await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client?.end();
}

/** The awkward table `schema.src` in a new schema, and a test factory whose dataset `Src` reads it. */
export async function awkwardSource(schema: string, factory: Parameters<typeof testFactory>[0] = {}): Promise<{ client: pg.Client; f: TestFactory }> {
  const client = await openSchema(schema);
  try {
    await createAwkward(client, `${schema}.src`);
  } catch (e) {
    await dropSchema(client, schema);
    throw e;
  }
  const f = testFactory(factory);
  f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  return { client, f };
}

export interface TestFactory {
  dir: string;
  /** the folder of linked service `Files` */
  files: string;
  /** a gateway home that allows `files` (fileSystem.allowedRoots): runs use it (`copy`; DMGW_HOME of a `dmgw run`) */
  home: string;
  /** adds a dataset; returns its name */
  dataset(name: string, type: string, linkedService: string, typeProperties: Record<string, unknown>): string;
  /** adds a one-Copy-activity pipeline and runs it in-process */
  copy(name: string, input: string, output: string, typeProperties: Record<string, unknown>, options?: Partial<RunPipelineOptions> & { policy?: Record<string, unknown> }): Promise<PipelineRunResult & { events: RunEvent[] }>;
  write(kind: string, name: string, properties: Record<string, unknown>): void;
}

export function testFactory(opts: { blobConnectionString?: string; pgUrl?: string } = {}): TestFactory {
  const dir = mkdtempSync(join(tmpdir(), 'dmgw-factory-'));
  const files = mkdtempSync(join(tmpdir(), 'dmgw-files-'));
  const home = mkdtempSync(join(tmpdir(), 'dmgw-home-'));
  allowFileRoots(home, files);
  for (const k of ['linkedService', 'dataset', 'pipeline']) mkdirSync(join(dir, k));
  const write = (kind: string, name: string, properties: Record<string, unknown>) => writeFileSync(join(dir, kind, `${name}.json`), JSON.stringify({ name, properties }, null, 2));
  write('linkedService', 'Pg', { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString(opts.pgUrl) } });
  write('linkedService', 'Files', { type: 'FileServer', typeProperties: { host: files } });
  if (opts.blobConnectionString) write('linkedService', 'Blob', { type: 'AzureBlobStorage', typeProperties: { connectionString: opts.blobConnectionString } });
  return {
    dir,
    files,
    home,
    write,
    dataset(name, type, linkedService, typeProperties) {
      write('dataset', name, { type, linkedServiceName: { referenceName: linkedService, type: 'LinkedServiceReference' }, typeProperties });
      return name;
    },
    async copy(name, input, output, typeProperties, options = {}) {
      const { policy, ...run } = options;
      write('pipeline', name, {
        activities: [{ name: 'Copy', type: 'Copy', ...(policy ? { policy } : {}), inputs: [{ referenceName: input, type: 'DatasetReference' }], outputs: [{ referenceName: output, type: 'DatasetReference' }], typeProperties }],
      });
      const events: RunEvent[] = [];
      const result = await runPipeline({ factory: dir, pipeline: name, home, emit: (e) => events.push(e), copyRetry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 400 }, ...run });
      return { ...result, events };
    },
  };
}
