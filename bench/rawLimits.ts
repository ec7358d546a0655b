/**
 * The raw limits every row path is held to, each measured with the store's own tool (or the plainest write) as a
 * child process, timed and its memory watched (harness.runMeasured):
 *   psqlOut        psql -c "\copy (SELECT …) TO STDOUT …" into a file or /dev/null   (PostgreSQL's raw read)
 *   mariadbOut     mariadb --batch --quick -e "SELECT …" into a file or /dev/null    (MariaDB's raw read)
 *   catRead        cat FILE > /dev/null                                           (a file's raw read)
 *   copyFile       cp FILE DEST                                                   (a file's raw write)
 *   rawUpload      FILE uploaded to a fresh Azurite in the engine's request shape  (the blob store's raw write:
 *                  Put Block with a Content-MD5 each, 4 MiB × 4; see probes.ts — Azurite's faster path)
 *   psqlCopyFrom   psql -c "\copy TABLE FROM FILE …"                              (PostgreSQL's raw write)
 *   loadDataLocal  mariadb --local-infile -e "LOAD DATA LOCAL INFILE …"           (MariaDB's raw write)
 */
import { statSync } from 'node:fs';
import { BENCH_PG_URL } from './benchTable.js';
import { PROBES, withAzurite } from './engineRun.js';
import { fastest, runMeasured, type Measurement } from './harness.js';
import { mariaConnection } from './mariadbTable.js';

type Raw = { name: string; rows: number };

const done = (r: { code: number; stderr: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
};

const measurement = (m: Raw, r: { seconds: number; peakRssBytes: number }, bytes: number): Measurement => ({ ...m, role: 'baseline', seconds: r.seconds, bytes, peakRssBytes: r.peakRssBytes });

/** `psql -c "\copy (…) TO STDOUT …"` into `target`; `bytes` when the target cannot be measured (/dev/null). */
export async function psqlOut(copySql: string, target: string, m: Raw, bytes?: number): Promise<Measurement> {
  const r = await runMeasured('psql', [BENCH_PG_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\${copySql.replace(/^COPY/, 'copy')}`], { stdoutFile: target });
  done(r, 'psql');
  return measurement(m, r, bytes ?? statSync(target).size);
}

/** `mariadb --batch --quick --skip-column-names -e SQL` into `target` (tab-separated, `\n`-escaped, NULL as "NULL"). */
export async function mariadbOut(database: string, sql: string, target: string, m: Raw, bytes?: number): Promise<Measurement> {
  const r = await runMeasured('mariadb', ['--batch', '--quick', '--skip-column-names', ...mariadbArgs(), database, '-e', sql], { stdoutFile: target });
  done(r, 'mariadb');
  return measurement(m, r, bytes ?? statSync(target).size);
}

export async function catRead(file: string, m: Raw): Promise<Measurement> {
  const r = await runMeasured('cat', [file], { stdoutFile: '/dev/null' });
  done(r, 'cat');
  return measurement(m, r, statSync(file).size);
}

export async function copyFile(file: string, dest: string, m: Raw): Promise<Measurement> {
  const r = await runMeasured('cp', ['--', file, dest]);
  done(r, 'cp');
  return measurement(m, r, statSync(dest).size);
}

/** The fastest of `repeat` uploads of `file`, each into a fresh in-memory Azurite. */
export function rawUpload(file: string, m: Raw, repeat: number): Promise<Measurement> {
  return fastest(repeat, () =>
    withAzurite(async (az) => {
      const r = await runMeasured(process.execPath, [PROBES, 'upload-md5', file, az.connectionString, 'raw', 'raw/upload']);
      done(r, 'raw upload');
      return measurement(m, r, (JSON.parse(r.stdout) as { bytes: number }).bytes);
    }),
  );
}

/** `psql -c "\copy TABLE FROM 'file' WITH (options)"`. */
export async function psqlCopyFrom(table: string, file: string, options: string, m: Raw): Promise<Measurement> {
  const r = await runMeasured('psql', [BENCH_PG_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${table} FROM '${file}' WITH (${options})`]);
  done(r, 'psql \\copy from');
  return measurement(m, r, statSync(file).size);
}

/** `LOAD DATA LOCAL INFILE` of `file` through the mariadb client; `clauses` are the FIELDS/LINES/IGNORE/SET parts. */
export async function loadDataLocal(database: string, table: string, file: string, clauses: string, m: Raw): Promise<Measurement> {
  const r = await runMeasured('mariadb', ['--local-infile=1', ...mariadbArgs(), database, '-e', `LOAD DATA LOCAL INFILE '${file}' INTO TABLE \`${table}\` ${clauses}`]);
  done(r, 'LOAD DATA LOCAL INFILE');
  return measurement(m, r, statSync(file).size);
}

export function mariadbArgs(): string[] {
  const c = mariaConnection();
  return ['-h', c.host, '-P', String(c.port), '-u', c.user, ...(c.password ? [`-p${c.password}`] : [])];
}
