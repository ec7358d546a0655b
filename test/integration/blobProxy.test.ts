/**
 * The workers' Azure Blob traffic through the gateway's HTTP proxy: a real tinyproxy (our own instance, Basic auth)
 * and a real Azurite, `dmgw run` copying a PostgreSQL table to a CSV blob. With the proxy stored in the home
 * (`dmgw proxy set`, password on stdin, kept sealed) the blob is right and the proxy's log holds the blob requests;
 * with NO_PROXY (or the stored `--no-proxy` list) naming Azurite the proxy sees none of them, even with an
 * HTTPS_PROXY in the environment that leads nowhere. A wrong password or a proxy that is not there fails the run
 * with a message naming the proxy, no stack trace, and the password appears in no output and no file of the home.
 * Azurite is plain http://, so the requests reach the proxy as absolute-URI requests (http-proxy-agent); the
 * CONNECT path is what the channel's proxy test (proxy.test.ts) exercises.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { ensureBuilt, runCli, type CliResult } from '../support/builtCli.js';
import { dropSchema, openSchema, testFactory, type TestFactory } from '../support/copyFactory.js';
import { freePort, requireServer, uniqueName } from '../support/servers.js';
import { requireTinyproxy, startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';

const up = (await requireServer('PostgreSQL', 5432)) && requireTinyproxy();
const schema = uniqueName('blobproxy');
const PASSWORD = `Pl4nted-${Math.random().toString(36).slice(2)}-proxy-pw`;
const ROWS = 20_000;
const EXPECTED = `id,t\n${Array.from({ length: ROWS }, (_, i) => `${i + 1},row ${i + 1}`).join('\n')}\n`;

describe.skipIf(!up)('Azure Blob traffic of `dmgw run` through the gateway proxy (tinyproxy + Azurite)', () => {
  let az: AzuriteServer;
  let proxy: Tinyproxy;
  let client: pg.Client;
  let f: TestFactory;
  let blobs: BlobServiceClient;
  let home: string;
  const outputs: string[] = [];

  const quietEnv = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', ALL_PROXY: '', all_proxy: '', DMGW_PROXY: '', NO_PROXY: '', no_proxy: '' };
  const dmgw = async (args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> => {
    const r = await runCli(args, { env: { ...process.env, ...quietEnv, DMGW_HOME: home, ...o.env }, input: o.input });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  /** `dmgw run` of a pipeline copying the table to blob `name` */
  const copyToBlob = (name: string, env: NodeJS.ProcessEnv = {}) => {
    const ds = f.dataset(`Out_${name}`, 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'proxied', fileName: `${name}.csv` }, firstRowAsHeader: true, rowDelimiter: '\n' });
    f.write('pipeline', name, { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: ds, type: 'DatasetReference' }], typeProperties: { source: { type: 'PostgreSqlSource' }, sink: { type: 'DelimitedTextSink' } } }] });
    return dmgw(['run', '--factory', f.dir, '--pipeline', name, '--json'], { env });
  };
  const blobText = async (name: string) => (await blobs.getContainerClient('proxied').getBlobClient(`${name}.csv`).downloadToBuffer()).toString('utf8');
  /** the requests to Azurite in the proxy's log (tinyproxy logs each as `Request (file descriptor N): PUT http://…`) */
  const proxiedBlobRequests = () => proxy.log().split('\n').filter((l) => l.includes('Request') && l.includes(`127.0.0.1:${az.port}/`));
  const allText = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'latin1')).join('\n');

  beforeAll(async () => {
    ensureBuilt();
    [az, proxy] = await Promise.all([startAzurite(), startTinyproxy({ connectPorts: [], basicAuth: { user: 'gw', password: PASSWORD } })]);
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.src AS SELECT g AS id, 'row ' || g AS t FROM generate_series(1, ${ROWS}) g`);
    f = testFactory({ blobConnectionString: az.connectionString });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
    home = mkdtempSync(join(tmpdir(), 'dmgw-blobproxy-home-'));
    expect((await dmgw(['cert', 'new'])).code).toBe(0);
    const set = await dmgw(['proxy', 'set', proxy.url, '--user', 'gw', '--password-stdin'], { input: PASSWORD });
    expect(set.code, set.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await dropSchema(client, schema);
    await Promise.all([az?.stop(), proxy?.stop()]);
  });

  it('the proxy stored in the home carries the blob requests; the blob is byte for byte right', async () => {
    const before = proxiedBlobRequests().length;
    const r = await copyToBlob('through');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await blobText('through')).toBe(EXPECTED);
    const requests = proxiedBlobRequests().slice(before);
    // at least the block uploads and the commit of the block list
    expect(requests.some((l) => /PUT http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/proxied\/through\.csv\?.*comp=block(&|$)/.test(l)), requests.join('\n')).toBe(true);
    expect(requests.some((l) => /comp=blocklist/.test(l))).toBe(true);
  });

  it('NO_PROXY naming Azurite: direct, the proxy sees none of it — even with an HTTPS_PROXY that leads nowhere', async () => {
    for (const [name, noProxy] of [['bypass-ip', '127.0.0.1'], ['bypass-port', `example.org, 127.0.0.1:${az.port}`], ['bypass-all', '*']] as const) {
      const before = proxiedBlobRequests().length;
      const r = await copyToBlob(name, { NO_PROXY: noProxy, HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await blobText(name)).toBe(EXPECTED);
      expect(proxiedBlobRequests().slice(before)).toEqual([]);
    }
    // a NO_PROXY port that is not Azurite's does not bypass
    const before = proxiedBlobRequests().length;
    expect((await copyToBlob('other-port', { NO_PROXY: `127.0.0.1:${az.port + 1}` })).code).toBe(0);
    expect(proxiedBlobRequests().length).toBeGreaterThan(before);
  });

  it('the bypass list stored with `dmgw proxy set --no-proxy` works like NO_PROXY', async () => {
    const set = await dmgw(['proxy', 'set', proxy.url, '--user', 'gw', '--password-stdin', '--no-proxy', `127.0.0.1:${az.port}`], { input: PASSWORD });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`not for 127.0.0.1:${az.port}`);
    const show = JSON.parse((await dmgw(['proxy', 'show', '--json'])).stdout) as { effective: { noProxy: string[] }; stored: { noProxy: string[] } };
    expect(show.stored.noProxy).toEqual([`127.0.0.1:${az.port}`]);
    expect(show.effective.noProxy).toEqual([`127.0.0.1:${az.port}`]);
    const before = proxiedBlobRequests().length;
    const r = await copyToBlob('stored-bypass');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await blobText('stored-bypass')).toBe(EXPECTED);
    expect(proxiedBlobRequests().slice(before)).toEqual([]);
    // an entry that could never match is refused, naming it, and the stored list stays as it was
    const bad = await dmgw(['proxy', 'set', proxy.url, '--user', 'gw', '--password-stdin', '--no-proxy', `127.0.0.1:${az.port},10.0.0.0/99`], { input: PASSWORD });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--no-proxy entry "10.0.0.0/99" would never match');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect((JSON.parse((await dmgw(['proxy', 'show', '--json'])).stdout) as { stored: { noProxy: string[] } }).stored.noProxy).toEqual([`127.0.0.1:${az.port}`]);
    // back to the proxy for everything
    expect((await dmgw(['proxy', 'set', proxy.url, '--user', 'gw', '--password-stdin'], { input: PASSWORD })).code).toBe(0);
  });

  it('a wrong proxy password fails the run naming the proxy and what it said, without a stack trace', async () => {
    const wrong = `${PASSWORD}-wrong`;
    expect((await dmgw(['proxy', 'set', proxy.url, '--user', 'gw', '--password-stdin'], { input: wrong })).code).toBe(0);
    try {
      const r = await copyToBlob('wrong-password');
      expect(r.code).toBe(1);
      const text = r.stdout + r.stderr;
      expect(text).toMatch(new RegExp(`through the proxy http://gw@127\\.0\\.0\\.1:${proxy.port} \\(from gateway home\\): the proxy refused the proxy credentials \\(HTTP 40[17]\\)`));
      expect(text).toContain('dmgw proxy set');
      expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
      expect(text).not.toContain(wrong);
    } finally {
      expect((await dmgw(['proxy', 'set', proxy.url, '--user', 'gw', '--password-stdin'], { input: PASSWORD })).code).toBe(0);
    }
  });

  it('a proxy that is not there fails the run naming it (after the retries)', async () => {
    const closed = await freePort();
    const r = await copyToBlob('no-proxy-there', { DMGW_PROXY: `http://gw:${PASSWORD}@127.0.0.1:${closed}` });
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr;
    expect(text).toContain(`through the proxy http://gw@127.0.0.1:${closed} (from DMGW_PROXY): cannot reach the proxy: connect ECONNREFUSED 127.0.0.1:${closed}`);
    expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
    expect(text).not.toContain(PASSWORD);
  }, 120_000);

  it('the planted password is in no output and no file of the home (proxy.json holds a JWE)', () => {
    const stored = JSON.parse(readFileSync(join(home, 'proxy.json'), 'utf8')) as { sealedPassword: string };
    expect(stored.sealedPassword.split('.')).toHaveLength(5);
    const everything = [allText(home), outputs.join('\n')].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`gw:${PASSWORD}`).toString('base64'));
    expect(everything).not.toContain(encodeURIComponent(PASSWORD));
  });
});
