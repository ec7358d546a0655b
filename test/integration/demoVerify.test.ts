/**
 * The demo's verification against real bytes: the sample table in embedded PostgreSQL (PGlite behind
 * pglite-socket), exported by PostgreSQL itself as gzip CSV into the in-process Azurite, must checksum equal to
 * the source; the same rows spelled differently must too; a changed or missing row must not.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedAzurite, type EmbeddedAzurite } from '../../src/demo/embeddedAzurite.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/demo/embeddedPostgres.js';
import { checksumSql, type TableChecksum } from '../../src/demo/rowChecksum.js';
import { createTableSql, finishTableSql, insertRowsSql, SAMPLE_COLUMNS } from '../../src/demo/sampleData.js';
import { checksumBlobCsv } from '../../src/demo/verifyBlobs.js';

const ROWS = 5000;

describe('demo verification (embedded PostgreSQL + in-process Azurite)', () => {
  let pgl: EmbeddedPostgres;
  let az: EmbeddedAzurite;
  let source: TableChecksum;
  let csv: string;
  let container: ContainerClient;

  beforeAll(async () => {
    [pgl, az] = await Promise.all([startEmbeddedPostgres(), startEmbeddedAzurite()]);
    await pgl.exec(createTableSql());
    await pgl.exec(insertRowsSql(1, ROWS));
    await pgl.exec(finishTableSql());
    [source] = await pgl.query<TableChecksum>(checksumSql('public.sales_orders', SAMPLE_COLUMNS)) as [TableChecksum];
    // PostgreSQL's own CSV, read over the wire as the gateway would
    const client = new pg.Client({ host: pgl.host, port: pgl.port, user: 'gateway', database: 'sales', password: 'any' });
    await client.connect();
    const chunks: Buffer[] = [];
    for await (const c of client.query(copyTo('COPY (SELECT * FROM public.sales_orders ORDER BY order_id) TO STDOUT WITH (FORMAT csv, HEADER)'))) chunks.push(c as Buffer);
    await client.end();
    csv = Buffer.concat(chunks).toString('utf8');
    container = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('sales');
    await container.create();
  });
  afterAll(async () => {
    await pgl?.stop();
    await az?.stop();
  });

  const upload = async (folder: string, files: Record<string, string | Buffer>) => {
    for (const [name, body] of Object.entries(files)) await container.getBlockBlobClient(`${folder}/${name}`).uploadData(typeof body === 'string' ? Buffer.from(body) : body);
  };
  const verify = (folder: string) => checksumBlobCsv({ connectionString: az.connectionString, container: 'sales', folder, firstRowAsHeader: true }, SAMPLE_COLUMNS);

  it('the sample data has what breaks naive CSV', () => {
    expect(source.rows).toBe(String(ROWS));
    expect(csv).toMatch(/"Fabrikam, Inc\."/);
    expect(csv).toMatch(/""Happy birthday!""/);
    expect(csv).toMatch(/Call first\nthen/);
    expect(csv).toMatch(/🎁/);
    expect(csv).toMatch(/,\n/); // a NULL note at the end of a row
  });

  it('PostgreSQL’s gzip CSV split over two blobs checksums equal to the table', async () => {
    const lines = csv.split(/\n(?=\d+,)/);
    const header = lines[0]!;
    const half = Math.floor(lines.length / 2);
    await upload('orders', {
      'part-00001.csv.gz': gzipSync(lines.slice(0, half).join('\n') + '\n'),
      'part-00002.csv.gz': gzipSync([header, ...lines.slice(half)].join('\n')),
    });
    const got = await verify('orders');
    expect(got.files.map((f) => [f.name, f.gzip])).toEqual([
      ['orders/part-00001.csv.gz', true],
      ['orders/part-00002.csv.gz', true],
    ]);
    expect({ rows: String(got.rows), sum: got.sum }).toEqual(source);
    expect(got.files.reduce((n, f) => n + f.textBytes, 0)).toBe(Buffer.byteLength(csv) + Buffer.byteLength(header) + 1); // the header twice
  });

  it('other faithful spellings (ISO times, trimmed decimals, every field quoted, columns reordered) agree', async () => {
    const rows: string[] = [];
    const ts = (v: string) => new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
    const all = csv.trimEnd().split(/\n(?=\d+,)/).slice(1);
    for (const line of all) {
      const f = parseLine(line);
      const [id, customer, country, product, qty, price, total, at, status, note] = f;
      const q = (s: string | undefined) => (s === '' ? '' : `"${s!.replace(/"/g, '""')}"`);
      rows.push([q(note), q(id), q(customer), q(country), q(product), q(qty), q(String(Number(price))), q(String(Number(total))), q(ts(at!)), q(status)].join(','));
    }
    await upload('respelled', { 'out.csv': `note,order_id,customer,country,product,quantity,unit_price,total,ordered_at,status\r\n${rows.join('\r\n')}\r\n` });
    const got = await verify('respelled');
    expect(got.files[0]!.gzip).toBe(false);
    expect({ rows: String(got.rows), sum: got.sum }).toEqual(source);
  });

  it('a changed or missing row does not match', async () => {
    await upload('changed', { 'a.csv': csv.replace('Contoso Ltd', 'Contoso Ltx') });
    const changed = await verify('changed');
    expect(changed.rows).toBe(ROWS);
    expect(changed.sum).not.toBe(source.sum);
    const lines = csv.trimEnd().split(/\n(?=\d+,)/);
    await upload('missing', { 'a.csv': lines.slice(0, -1).join('\n') + '\n' });
    expect((await verify('missing')).rows).toBe(ROWS - 1);
  });
});

/** PostgreSQL CSV line (may hold quoted line breaks) into fields; quoted and empty both come back as text. */
function parseLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const k = line.indexOf('"', j);
        v += line.slice(j, k);
        if (line[k + 1] === '"') {
          v += '"';
          j = k + 2;
        } else {
          i = k + 2;
          break;
        }
      }
      out.push(v);
    } else {
      const k = line.indexOf(',', i);
      const end = k < 0 ? line.length : k;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}
