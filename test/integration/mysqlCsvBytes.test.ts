/**
 * MariaDB → CSV (and → COPY text for PostgreSQL) through the byte path (connectors/mysqlCsv.ts: the server's bytes copied into the CSV where no
 * conversion is needed) must write exactly the bytes the row path writes (mysql2 values → mysqlTypes.ts readers →
 * CsvWriter), for every column type and every CSV setting it takes on: both are run here on the same table of the
 * real MariaDB and their output compared byte for byte.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MySqlConnector } from '../../src/agent/connectors/mysql.js';
import { csvEncoder } from '../../src/agent/formats/delimitedTextFormat.js';
import { delimitedTextOptions, type DelimitedTextOptions } from '../../src/agent/formats/delimitedText.js';
import { formatPgText } from '../../src/agent/formats/pgText.js';
import { MARIADB_URL, requireServer, uniqueName } from '../support/servers.js';
import { mariadbConnectionString } from '../support/storeContract.js';

const up = await requireServer('MariaDB', 3306);
const db = uniqueName('csvbytes');
const TABLE = 'everything';

const COLUMNS = [
  'id int primary key',
  'zf int(5) unsigned zerofill',
  'ti tinyint',
  'tb tinyint(1)',
  'si smallint',
  'mi mediumint',
  'bi bigint',
  'bu bigint unsigned',
  'yr year',
  'b1 bit(1)',
  'b10 bit(10)',
  'fl float',
  'db double',
  'de decimal(38,9)',
  'dt date',
  'dtm datetime(6)',
  'tm time(3)',
  'tsz timestamp(6) NULL',
  'ch char(5)',
  'vc varchar(200)',
  'tx mediumtext',
  'la varchar(50) CHARACTER SET latin1',
  'bin binary(4)',
  'vb varbinary(50)',
  'bl mediumblob',
  'js json',
  'en enum(\'a\',\'b,c\',\'"q"\')',
  'st set(\'x\',\'y\')',
];

/** values that hit every branch: quotes, delimiters, line ends, the null text, non-ASCII, zeros to trim, e-notation */
const ROWS: unknown[][] = [
  [1, 7, -128, 1, -32768, -8388608, '-9223372036854775808', '18446744073709551615', 2024, 1, 1023, 1.5, 1e100, '-12345678901234567890123456789.123456789', '2024-02-29', '2024-01-02 03:04:05.500000', '-838:59:59.000', '2024-01-02 03:04:05.000001', 'a,b', 'say "hi"', 'line1\nline2\r\nline3\rend', 'déjà', Buffer.from([0, 1, 2, 3]), Buffer.from('a,"b"'), Buffer.alloc(0), '{"a": [1, "x,y"]}', 'b,c', 'x,y'],
  [2, 0, 0, 0, 0, 0, '0', '0', 0, 0, 0, -0, 1.7976931348623157e308, '0.000000000', '1000-01-01', '2024-01-02 03:04:05.000000', '10:00:00.000', '1970-01-01 00:00:01.000000', '', '', '', '', Buffer.from([255, 254, 253, 252]), Buffer.from([0xc3]), Buffer.from('😀'), '[]', '"q"', ''],
  [3, ...Array(COLUMNS.length - 1).fill(null)],
  [4, 123, 5, 0, 1, 2, '42', '42', 1999, 0, 5, 0.1, 2.5e-300, '1.100000000', '2000-12-31', '1999-12-31 23:59:59.123400', '00:00:00.100', '2038-01-19 03:14:07.999999', 'NULL', '\\N', `emoji 😀 tab\t${'long '.repeat(30_000)}`, 'x', Buffer.from('zzzz'), Buffer.from('\n'), Buffer.alloc(70_000, 7), '{"k": "\\"\\\\"}', 'a', 'y'],
  [5, 1, 1, 2, 3, 4, '5', '6', 2000, 1, 512, 3.4e38, -2.2250738585072014e-308, '99.5', '2024-06-15', '2024-06-15 12:00:00.000010', '12:30:00.000', '2024-06-15 12:00:00.000000', ';', ';x;', '"', '', Buffer.from([10, 13, 44, 34]), Buffer.from(';'), null, 'null', 'a', 'x'],
];

const SETTINGS: Array<Record<string, unknown>> = [
  {},
  { firstRowAsHeader: true },
  { columnDelimiter: ';', quoteChar: '"', escapeChar: '\\', nullValue: 'NULL', firstRowAsHeader: true },
  { quoteChar: '', escapeChar: '\\', nullValue: '\\N' },
  { quoteChar: '', escapeChar: '' },
  { quoteAllText: true, rowDelimiter: '\r\n' },
  { columnDelimiter: '|', quoteChar: "'", escapeChar: "'", nullValue: '' },
  { columnDelimiter: '\t', nullValue: 'x' },
  { columnDelimiter: ':', quoteChar: '"', escapeChar: '"' },
  { columnDelimiter: '0', nullValue: '1' },
];

describe.skipIf(!up)('MariaDB → CSV: byte path = row path', () => {
  let admin: mysql.Connection;
  let conn: MySqlConnector;

  beforeAll(async () => {
    const u = new URL(MARIADB_URL);
    admin = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), timezone: 'Z', charset: 'UTF8MB4_GENERAL_CI' });
    await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
    await admin.query(`USE \`${db}\``);
    await admin.query("SET time_zone = '+00:00'");
    await admin.query(`CREATE TABLE \`${TABLE}\` (${COLUMNS.join(', ')}) CHARACTER SET utf8mb4`);
    await admin.query(`INSERT INTO \`${TABLE}\` VALUES ?`, [ROWS]);
    conn = new MySqlConnector({ name: 'Maria', properties: { type: 'MariaDB', typeProperties: { connectionString: mariadbConnectionString(`mysql://${u.username}${u.password ? `:${u.password}` : ''}@${u.host}/${db}`) } } } as never);
  });
  afterAll(async () => {
    await conn?.close();
    await admin?.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin?.end();
  });

  const source = (sql?: string) => (sql ? { query: sql } : { table: { table: `\`${TABLE}\`` } });

  async function rowPath(o: DelimitedTextOptions, sql?: string): Promise<Buffer> {
    const parts: string[] = [];
    const enc = csvEncoder(o, await conn.describe(source(sql) as never));
    parts.push(enc.begin() as string);
    for await (const b of conn.readRows(source(sql) as never, undefined, new AbortController().signal)) parts.push(enc.rows(b.rows) as string);
    return Buffer.from(parts.join(''), 'utf8');
  }

  async function bytePath(o: DelimitedTextOptions, sql?: string): Promise<{ bytes: Buffer; rows: number }> {
    const read = await conn.readBytes(source(sql) as never, undefined, { kind: 'csv', options: o }, new AbortController().signal);
    expect(read).toBeDefined();
    const chunks: Buffer[] = [];
    for await (const c of read!.stream) chunks.push(c as Buffer);
    return { bytes: Buffer.concat(chunks), rows: read!.rowCount() };
  }

  for (const s of SETTINGS) {
    it(`writes the same bytes with ${JSON.stringify(s)}`, async () => {
      const o = delimitedTextOptions(s);
      const want = await rowPath(o);
      const got = await bytePath(o);
      expect(got.rows).toBe(ROWS.length);
      // the data went through: the long text and the blob are in it
      expect(want.length).toBeGreaterThan(150_000);
      if (!got.bytes.equals(want)) {
        const at = got.bytes.findIndex((b, i) => b !== want[i]);
        expect(got.bytes.subarray(Math.max(0, at - 60), at + 60).toString('latin1')).toBe(want.subarray(Math.max(0, at - 60), at + 60).toString('latin1'));
      }
      expect(got.bytes.equals(want)).toBe(true);
    });
  }

  it('writes the same bytes for a query of computed columns (CAST, CONCAT, numbers as text, invalid UTF-8 cast to utf8mb4)', async () => {
    const sql = `SELECT id, CONCAT(vc, '|', tx) AS c, CAST(zf AS CHAR) AS z, de * 2 AS d2, dtm + INTERVAL 1 SECOND AS later, NULL AS nothing, 1.0 AS one, CONVERT(vb USING utf8mb4) AS conv FROM \`${TABLE}\` ORDER BY id`;
    const o = delimitedTextOptions({ firstRowAsHeader: true });
    const want = await rowPath(o, sql);
    const got = await bytePath(o, sql);
    expect(got.rows).toBe(ROWS.length);
    expect(got.bytes.toString('latin1')).toBe(want.toString('latin1'));
  });

  it('writes COPY text exactly as formatPgText writes the rows (the MariaDB → PostgreSQL byte path)', async () => {
    const parts: string[] = [];
    for await (const b of conn.readRows(source() as never, undefined, new AbortController().signal)) parts.push(formatPgText(b.rows));
    const want = Buffer.from(parts.join(''), 'utf8');
    const read = await conn.readBytes(source() as never, undefined, { kind: 'pgtext' }, new AbortController().signal);
    const chunks: Buffer[] = [];
    for await (const c of read!.stream) chunks.push(c as Buffer);
    expect(read!.rowCount()).toBe(ROWS.length);
    expect(want.includes('\\N')).toBe(true);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(want.toString('latin1'));
  });

  it('leaves non-UTF-8 output and other row ends to the row path', async () => {
    const sig = new AbortController().signal;
    expect(await conn.readBytes(source() as never, undefined, { kind: 'csv', options: delimitedTextOptions({ encodingName: 'UTF-16' }) }, sig)).toBeUndefined();
    expect(await conn.readBytes(source() as never, undefined, { kind: 'csv', options: delimitedTextOptions({ rowDelimiter: ';' }) }, sig)).toBeUndefined();
  });
});
