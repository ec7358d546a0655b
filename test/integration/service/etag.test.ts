/**
 * ARM optimistic concurrency on the factory service, driven by the real @azure/arm-datafactory client (its
 * `ifMatch` on createOrUpdate, `ifNoneMatch` on get) and by raw HTTPS where the client hides the status: etags
 * change on every write, a stale If-Match is 412 PreconditionFailed and changes nothing, a matching If-None-Match
 * is 304 (the client then resolves to `{}`), and of concurrent writers holding one etag exactly one wins — on both
 * stores: PGlite (embedded) and a real PostgreSQL server.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, SUBSCRIPTION, startTestService, restError } from '../../support/factoryService.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const QUOTED_GUID = /^"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$/;
const F = 'factory-etags';
const FACTORY_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${F}`;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
}

function rawCall(svc: RunningService, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Raw> {
  const token = readFileSync(svc.adminTokenFile, 'utf8').trim();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}${path.includes('?') ? '&' : '?'}api-version=2018-06-01`, { method, ca: svc.caCertPem, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const backends = [
  { name: 'PGlite (embedded)', postgres: false },
  { name: 'PostgreSQL server', postgres: true },
];

describe.each(backends)('etags on $name', ({ postgres }) => {
  const schema = uniqueName('svc_etag');
  let svc: RunningService;
  let client: DataFactoryManagementClient;
  const skip = postgres && !pgUp;

  beforeAll(async () => {
    if (skip) return;
    svc = await startTestService(postgres ? { postgres: PG_URL, postgresSchema: schema } : {});
    client = armClient(svc);
    await client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope' });
    await client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, 'gw', { properties: { type: 'SelfHosted' } });
    await client.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Lake', { properties: { type: 'AzureBlobStorage', connectionString: 'UseDevelopmentStorage=true' } as never });
  });
  afterAll(async () => {
    await svc?.close();
    if (postgres && pgUp) {
      const db = new pg.Client({ connectionString: PG_URL });
      await db.connect();
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.end();
    }
  });

  it.skipIf(skip)('factories: If-Match updates with the current eTag, refuses a stale one (412, unchanged), If-None-Match gives 304', async () => {
    const v1 = await client.factories.get(RESOURCE_GROUP, F);
    expect(v1.eTag).toMatch(QUOTED_GUID);
    const v2 = await client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope', tags: { v: '2' } }, { ifMatch: v1.eTag });
    expect(v2.eTag).toMatch(QUOTED_GUID);
    expect(v2.eTag).not.toBe(v1.eTag);
    expect(v2.tags).toEqual({ v: '2' });

    const e = await restError(client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope', tags: { v: 'stale' } }, { ifMatch: v1.eTag }));
    expect(e.statusCode).toBe(412);
    expect(e.code).toBe('PreconditionFailed');
    expect(e.message).toContain('If-Match');
    const after = await client.factories.get(RESOURCE_GROUP, F);
    expect(after.tags).toEqual({ v: '2' });
    expect(after.eTag).toBe(v2.eTag);

    // The client treats 304 as a success with no body: it resolves to an empty object.
    const statuses: number[] = [];
    const notModified = await client.factories.get(RESOURCE_GROUP, F, { ifNoneMatch: v2.eTag, onResponse: (r) => void statuses.push(r.status) });
    expect(statuses).toEqual([304]);
    expect(notModified).toEqual({});
    const modified = await client.factories.get(RESOURCE_GROUP, F, { ifNoneMatch: v1.eTag });
    expect(modified.eTag).toBe(v2.eTag);

    // PATCH (factories.update) is a write too: a new eTag.
    const v3 = await client.factories.update(RESOURCE_GROUP, F, { tags: { v: '3' } });
    expect(v3.eTag).not.toBe(v2.eTag);
    const stalePatch = await rawCall(svc, 'PATCH', FACTORY_PATH, { 'if-match': v2.eTag! }, { tags: { v: 'stale' } });
    expect(stalePatch.status).toBe(412);
    expect((await client.factories.get(RESOURCE_GROUP, F)).tags).toEqual({ v: '3' });
  });

  it.skipIf(skip)('raw HTTPS: the ETag header, 304 without a body, 412 with ARM\'s error body', async () => {
    const got = await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`);
    expect(got.status).toBe(404);
    const put = await rawCall(svc, 'PUT', `${FACTORY_PATH}/pipelines/raw`, {}, { properties: { activities: [], description: 'one' } });
    expect(put.status).toBe(200);
    const etag = (put.body as { etag: string }).etag;
    expect(etag).toMatch(QUOTED_GUID);
    expect(put.headers.etag).toBe(etag);

    const get = await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`);
    expect(get.status).toBe(200);
    expect(get.headers.etag).toBe(etag);
    expect((get.body as { etag: string }).etag).toBe(etag);

    const same = await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`, { 'if-none-match': etag });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    expect(same.headers.etag).toBe(etag);
    expect((await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`, { 'if-none-match': '*' })).status).toBe(304);
    // Weak comparison: W/ and the quotes do not matter; a list matches when any member does.
    expect((await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`, { 'if-none-match': etag.slice(1, -1) })).status).toBe(304);
    expect((await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`, { 'if-none-match': '"other"' })).status).toBe(200);

    const stale = await rawCall(svc, 'PUT', `${FACTORY_PATH}/pipelines/raw`, { 'if-match': '"00000000-0000-0000-0000-000000000000"' }, { properties: { activities: [], description: 'stale' } });
    expect(stale.status).toBe(412);
    expect(stale.body).toEqual({ error: { code: 'PreconditionFailed', message: expect.stringContaining("pipeline 'raw'") } });

    // If-None-Match: * on a PUT = create only.
    const createOnly = await rawCall(svc, 'PUT', `${FACTORY_PATH}/pipelines/raw`, { 'if-none-match': '*' }, { properties: { activities: [], description: 'again' } });
    expect(createOnly.status).toBe(412);
    expect((createOnly.body as { error: { message: string } }).error.message).toContain('already exists');
    expect((await rawCall(svc, 'PUT', `${FACTORY_PATH}/pipelines/raw-new`, { 'if-none-match': '*' }, { properties: { activities: [] } })).status).toBe(200);

    const unchanged = await rawCall(svc, 'GET', `${FACTORY_PATH}/pipelines/raw`);
    expect(unchanged.body).toMatchObject({ etag, properties: { description: 'one' } });
  });

  it.skipIf(skip)('pipelines, datasets, linked services, integration runtimes: the same contract through the client', async () => {
    type Ops = {
      label: string;
      put: (name: string, v: string, ifMatch?: string) => Promise<{ etag?: string }>;
      get: (name: string, ifNoneMatch?: string, onResponse?: (r: { status: number }) => void) => Promise<{ etag?: string }>;
      version: (r: unknown) => string | undefined;
    };
    const kinds: Ops[] = [
      {
        label: 'pipeline',
        put: (n, v, ifMatch) => client.pipelines.createOrUpdate(RESOURCE_GROUP, F, n, { activities: [], description: v }, { ifMatch }),
        get: (n, ifNoneMatch, onResponse) => client.pipelines.get(RESOURCE_GROUP, F, n, { ifNoneMatch, onResponse }),
        version: (r) => (r as { description?: string }).description,
      },
      {
        label: 'dataset',
        put: (n, v, ifMatch) => client.datasets.createOrUpdate(RESOURCE_GROUP, F, n, { properties: { type: 'DelimitedText', description: v, linkedServiceName: { type: 'LinkedServiceReference', referenceName: 'Lake' } } as never }, { ifMatch }),
        get: (n, ifNoneMatch, onResponse) => client.datasets.get(RESOURCE_GROUP, F, n, { ifNoneMatch, onResponse }),
        version: (r) => (r as { properties?: { description?: string } }).properties?.description,
      },
      {
        label: 'linked service',
        put: (n, v, ifMatch) => client.linkedServices.createOrUpdate(RESOURCE_GROUP, F, n, { properties: { type: 'AzureBlobStorage', description: v, connectionString: 'UseDevelopmentStorage=true' } as never }, { ifMatch }),
        get: (n, ifNoneMatch, onResponse) => client.linkedServices.get(RESOURCE_GROUP, F, n, { ifNoneMatch, onResponse }),
        version: (r) => (r as { properties?: { description?: string } }).properties?.description,
      },
      {
        label: 'integration runtime',
        put: (n, v, ifMatch) => client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, n, { properties: { type: 'SelfHosted', description: v } }, { ifMatch }),
        get: (n, ifNoneMatch, onResponse) => client.integrationRuntimes.get(RESOURCE_GROUP, F, n, { ifNoneMatch, onResponse }),
        version: (r) => (r as { properties?: { description?: string } }).properties?.description,
      },
    ];
    for (const k of kinds) {
      const name = `etag-${k.label.replace(' ', '-')}`;
      const v1 = await k.put(name, 'v1');
      expect(v1.etag, k.label).toMatch(QUOTED_GUID);
      const v2 = await k.put(name, 'v2', v1.etag);
      expect(v2.etag, k.label).toMatch(QUOTED_GUID);
      expect(v2.etag, k.label).not.toBe(v1.etag);
      expect(k.version(v2), k.label).toBe('v2');

      const e = await restError(k.put(name, 'stale', v1.etag));
      expect(e.statusCode, k.label).toBe(412);
      expect(e.code, k.label).toBe('PreconditionFailed');
      const stored = await k.get(name);
      expect(k.version(stored), k.label).toBe('v2');
      expect(stored.etag, k.label).toBe(v2.etag);

      // '*' = update whatever the current etag is, as long as the entity exists.
      const v3 = await k.put(name, 'v3', '*');
      expect(k.version(v3), k.label).toBe('v3');
      // ... and If-Match on an entity that does not exist is 412: it is not created.
      const missing = await restError(k.put(`${name}-missing`, 'v1', '*'));
      expect(missing.statusCode, k.label).toBe(412);
      expect(missing.code, k.label).toBe('PreconditionFailed');
      expect(missing.message, k.label).toContain('does not exist');
      expect((await restError(k.get(`${name}-missing`))).statusCode, k.label).toBe(404);

      const statuses: number[] = [];
      expect(await k.get(name, v3.etag, (r) => void statuses.push(r.status)), k.label).toEqual({});
      expect(statuses, k.label).toEqual([304]);
      expect((await k.get(name, v1.etag)).etag, k.label).toBe(v3.etag);
    }
  });

  it.skipIf(skip)('an IR update (PATCH) is a write: a new etag, and a stale If-Match is refused before the gateway changes', async () => {
    const before = await client.integrationRuntimes.get(RESOURCE_GROUP, F, 'gw');
    const updated = await client.integrationRuntimes.update(RESOURCE_GROUP, F, 'gw', { autoUpdate: 'Off' });
    expect(updated.etag).toMatch(QUOTED_GUID);
    expect(updated.etag).not.toBe(before.etag);
    const stale = await rawCall(svc, 'PATCH', `${FACTORY_PATH}/integrationRuntimes/gw`, { 'if-match': before.etag! }, { autoUpdate: 'On' });
    expect(stale.status).toBe(412);
    const status = await client.integrationRuntimes.getStatus(RESOURCE_GROUP, F, 'gw');
    expect((status.properties as { autoUpdate?: string }).autoUpdate).toBe('Off');
    const ok = await rawCall(svc, 'PATCH', `${FACTORY_PATH}/integrationRuntimes/gw`, { 'if-match': updated.etag! }, { autoUpdate: 'On' });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe((ok.body as { etag: string }).etag);
    expect(((await client.integrationRuntimes.getStatus(RESOURCE_GROUP, F, 'gw')).properties as { autoUpdate?: string }).autoUpdate).toBe('On');
  });

  it.skipIf(skip)('concurrent updates holding one etag: exactly one wins, the others get 412, the stored body is the winner\'s', async () => {
    const WRITERS = 8;
    for (let round = 0; round < 5; round++) {
      const base = await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'contended', { activities: [], description: `base-${round}` });
      const results = await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, i) => client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'contended', { activities: [], description: `writer-${round}-${i}` }, { ifMatch: base.etag })),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, etag: r.value.etag }] : []));
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won, `round ${round}`).toHaveLength(1);
      expect(lost.map((r) => (r.reason as { statusCode: number }).statusCode)).toEqual(Array(WRITERS - 1).fill(412));
      const stored = await client.pipelines.get(RESOURCE_GROUP, F, 'contended');
      expect(stored.description).toBe(`writer-${round}-${won[0]!.i}`);
      expect(stored.etag).toBe(won[0]!.etag);
    }
    // The same for a factory, and for two creators racing with If-None-Match: * (raw: the client has no option for it).
    const f = await client.factories.get(RESOURCE_GROUP, F);
    const fr = await Promise.allSettled([1, 2, 3, 4].map((i) => client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope', tags: { writer: String(i) } }, { ifMatch: f.eTag })));
    expect(fr.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const creators = await Promise.all([1, 2, 3, 4].map((i) => rawCall(svc, 'PUT', `${FACTORY_PATH}/pipelines/born-once`, { 'if-none-match': '*' }, { properties: { activities: [], description: `creator-${i}` } })));
    expect(creators.map((c) => c.status).sort()).toEqual([200, 412, 412, 412]);
  });

  it.skipIf(!postgres || !pgUp)('PostgreSQL: a writer that finds the row locked re-checks the etag after the other commits (no read-then-write window)', async () => {
    const p = await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'locked', { activities: [], description: 'v1' });
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      await db.query('begin');
      // Another writer (here: a plain transaction) has passed the same check and holds the row, not yet committed.
      await db.query(`update ${schema}.resources set properties = jsonb_set(properties, '{description}', '"other"'), etag = '"11111111-1111-1111-1111-111111111111"' where kind = 'pipelines' and lname = 'locked'`);
      const pending = restError(client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'locked', { activities: [], description: 'mine' }, { ifMatch: p.etag }));
      // The PUT is now waiting on the row lock: it must not have answered.
      const early = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 500))]);
      expect(early).toBe('waiting');
      await db.query('commit');
      const e = await pending;
      expect(e.statusCode).toBe(412);
      const stored = await client.pipelines.get(RESOURCE_GROUP, F, 'locked');
      expect(stored.description).toBe('other');
      expect(stored.etag).toBe('"11111111-1111-1111-1111-111111111111"');
    } finally {
      await db.end();
    }
  });

  it.skipIf(!postgres || !pgUp)('rows written before etags were quoted (a bare GUID) answer quoted and still match', async () => {
    await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'legacy', { activities: [], description: 'old' });
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      await db.query(`update ${schema}.resources set etag = '22222222-2222-2222-2222-222222222222' where kind = 'pipelines' and lname = 'legacy'`);
    } finally {
      await db.end();
    }
    const got = await client.pipelines.get(RESOURCE_GROUP, F, 'legacy');
    expect(got.etag).toBe('"22222222-2222-2222-2222-222222222222"');
    expect(await client.pipelines.get(RESOURCE_GROUP, F, 'legacy', { ifNoneMatch: got.etag })).toEqual({});
    const next = await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'legacy', { activities: [], description: 'new' }, { ifMatch: got.etag });
    expect(next.etag).toMatch(QUOTED_GUID);
  });
});
