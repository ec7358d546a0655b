/**
 * One resource, one path: every path segment is decoded once, and a segment that decodes to a `/` or `\`, a control
 * character, a dot segment or bad percent-encoding is refused (400) before any route or store sees it — otherwise two
 * different URLs name the same factory row (its key joins the segments with `/`), and `..` walks to another one.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../../src/service/service.js';
import { RESOURCE_GROUP, startTestService, SUBSCRIPTION } from '../../support/factoryService.js';
import { send, type RawAnswer } from '../../support/rawHttps.js';

const API = 'api-version=2018-06-01';
let svc: RunningService & { logs: string[] };
let admin: string;

const factoryPath = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DataFactory/factories/${name}`;
const arm = (method: string, path: string, body?: unknown) =>
  send(svc, { method, path: `${path}?${API}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

function expectRefused(r: RawAnswer): void {
  expect({ status: r.status, code: r.json?.error?.code }, r.text).toEqual({ status: 400, code: 'InvalidPath' });
}

beforeAll(async () => {
  svc = await startTestService();
  admin = readFileSync(svc.adminTokenFile, 'utf8').trim();
});
afterAll(async () => svc?.close());

describe('paths', () => {
  it('an encoded "/" in a segment is refused, so two URLs cannot name one factory row', async () => {
    // subscription "s/resourcegroups/r1" + group "r2" and subscription "s" + group "r1/resourcegroups/r2" made the same key
    const a = factoryPath('s%2Fresourcegroups%2Fr1', 'r2', 'twin');
    const b = factoryPath('s', 'r1%2Fresourcegroups%2Fr2', 'twin');
    expectRefused(await arm('PUT', a, { location: 'here' }));
    expectRefused(await arm('GET', b));
    expectRefused(await arm('PUT', factoryPath(SUBSCRIPTION, 'rg%2fx', 'f-lower'), { location: 'here' }));
  });

  it('an encoded "\\", a control character or a NUL in a segment is refused (a NUL was a 500 from the store)', async () => {
    expectRefused(await arm('PUT', factoryPath(SUBSCRIPTION, 'rg%5Cx', 'back'), {}));
    expectRefused(await arm('PUT', factoryPath(SUBSCRIPTION, 'rg%00x', 'nul'), {}));
    expectRefused(await arm('GET', factoryPath(SUBSCRIPTION, 'rg%0Ax', 'newline')));
  });

  it('dot segments, encoded or not, are refused rather than walked', async () => {
    expect((await arm('PUT', factoryPath(SUBSCRIPTION, RESOURCE_GROUP, 'dots'), { location: 'here' })).status).toBe(200);
    // ../ would land on the factory above through another URL
    expectRefused(await arm('GET', `/subscriptions/other/../${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/dots`));
    expectRefused(await arm('GET', `/subscriptions/other/%2e%2E/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/dots`));
    expectRefused(await arm('GET', `/subscriptions/./${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/dots`));
  });

  it('bad percent-encoding is refused, on the channel too', async () => {
    expectRefused(await arm('GET', factoryPath(SUBSCRIPTION, 'rg%E0%A4%A', 'bad')));
    const r = await send(svc, { method: 'POST', path: '/gateway/v1/jobs/%FF/lease', headers: { 'content-type': 'application/json' }, body: '{}' });
    expectRefused(r);
  });

  it('the one spelling still works, and ARM names stay case-insensitive (one row, as ADF intends)', async () => {
    expect((await arm('PUT', factoryPath(SUBSCRIPTION, RESOURCE_GROUP, 'Cased'), { location: 'here' })).status).toBe(200);
    const got = await arm('GET', factoryPath(SUBSCRIPTION, RESOURCE_GROUP.toUpperCase(), 'cased'));
    expect([got.status, got.json?.name]).toEqual([200, 'Cased']);
    // %-encoding of an ordinary character decodes to the same name: the same resource, not a second one
    expect((await arm('GET', factoryPath(SUBSCRIPTION, RESOURCE_GROUP, '%43ased'))).json?.name).toBe('Cased');
  });

  it('nothing above reached the log as an error', () => {
    expect(svc.logs.filter((l) => / error /.test(l))).toEqual([]);
  });
});
