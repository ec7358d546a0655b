/**
 * The parsers that read what strangers write — connection strings, EncryptedCredentials (JWE), gateway keys, ADF
 * JSON files, and what the service runs on any resource PUT to it — fuzzed for a fixed time (DMGW_FUZZ_SECONDS,
 * shared among them; a few seconds in `npm test`). Each may only return or throw a DmgwError (never a TypeError, a
 * RangeError or a hang: every call must end within CALL_MS); what parses must format and parse back the same.
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCertificate } from '../../../src/agent/cert/create.js';
import { formatConnectionString, parseConnectionString, parseDatabaseUrl } from '../../../src/common/connectionString.js';
import { certificateInfo } from '../../../src/common/credential/certificate.js';
import { inspectCredential, openCredential, sealCredential, type CredentialKey } from '../../../src/common/credential/envelope.js';
import { isDmgwError } from '../../../src/common/errors.js';
import { formatGatewayKey, parseGatewayKey, type GatewayKey } from '../../../src/common/gateway/key.js';
import { JsonDocument } from '../../../src/common/jsonDocument.js';
import { echoedMask, maskSecrets } from '../../../src/common/maskSecrets.js';
import { addDocument, emptyFactory, KINDS } from '../../../src/common/model/factory.js';
import { gatewayOf } from '../../../src/common/model/gateway.js';
import type { LinkedService } from '../../../src/common/model/types.js';
import { findPlaintextSecrets } from '../../../src/common/secrets.js';
import { validateFactory } from '../../../src/common/validate/index.js';
import { fuzzSeconds, runFor, writeFuzzResults } from '../../support/fuzz.js';

const TOTAL_SECONDS = fuzzSeconds(15);
const PARSERS = 5;
const SECONDS = TOTAL_SECONDS / PARSERS;
/**
 * No single call may take longer: catches a regular expression gone quadratic or a loop that does not end, with room
 * for a loaded machine's pauses. The schemas are compiled before the clock starts (beforeAll).
 */
const CALL_MS = 2000;
const figures: Record<string, { runs: number; seconds: number; slowestMs: number }> = {};

/** Runs `fn`, which may only return or throw a DmgwError, within CALL_MS; returns what it returned, or undefined. */
async function only<T>(what: string, fn: () => T | Promise<T>, slowest: { ms: number }): Promise<T | undefined> {
  const t0 = performance.now();
  try {
    return await fn();
  } catch (e) {
    if (!isDmgwError(e)) throw new Error(`${what} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, { cause: e });
    return undefined;
  } finally {
    const ms = performance.now() - t0;
    slowest.ms = Math.max(slowest.ms, ms);
    expect(ms, `${what} took ${ms} ms`).toBeLessThan(CALL_MS);
  }
}

async function campaign<T>(name: string, arb: fc.Arbitrary<T>, check: (v: T, slowest: { ms: number }) => Promise<void>): Promise<void> {
  const slowest = { ms: 0 };
  const t0 = Date.now();
  const runs = await runFor(SECONDS, arb, (v) => check(v, slowest));
  figures[name] = { runs, seconds: (Date.now() - t0) / 1000, slowestMs: Math.round(slowest.ms * 10) / 10 };
  expect(runs).toBeGreaterThan(0);
}

/** Text made of the characters a parser cares about, and some it does not. */
const syntax = (chars: string, maxLength = 200) => fc.string({ unit: fc.oneof(fc.constantFrom(...chars.split('')), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })), maxLength });

let key: CredentialKey;
let certPem: string;
let token: string;
const validKey: GatewayKey = { v: 1, url: 'https://gw.example:8443', factory: '/subscriptions/s/resourceGroups/r/providers/Microsoft.DataFactory/factories/f', gateway: 'gw', gatewayId: '6f1e3b0c-0000-4000-8000-000000000000', fingerprint: 'AB'.repeat(32), key: 'authKey1', gen: 1, secret: 's3cr3t' };

beforeAll(async () => {
  const c = newCertificate({ subject: 'CN=fuzz' });
  certPem = c.certPem;
  key = { thumbprint: certificateInfo(c.certPem).thumbprint, privateKey: c.keyPem };
  token = (await sealCredential({ connectionString: { Password: 'pw' } }, certPem)).jwe;
  // compiles every schema once (ajv is lazy): the first validation is not what is being timed
  for (const kind of KINDS) {
    const f = emptyFactory('/warm');
    addDocument(f, kind, new JsonDocument(`/warm/${kind}/x.json`, '{"name":"x","properties":{"type":"PostgreSql"}}'), 'x');
    validateFactory(f);
  }
});

afterAll(() => {
  const file = writeFuzzResults('fuzz-parsers', { seconds: TOTAL_SECONDS, parsers: figures });
  if (file) console.log(`fuzz figures: ${file}`);
});

describe(`parsers under fuzz (${TOTAL_SECONDS} s in all)`, () => {
  it('connection strings: a DmgwError or entries that format and parse back the same', async () => {
    const entry = fc.tuple(syntax('=;" \'{}Pp', 20), syntax('=;" \'{}', 40));
    const structured = fc.array(entry, { maxLength: 8 }).map((es) => es.map(([k, v]) => `${k}=${v}`).join(';'));
    const url = fc.tuple(fc.constantFrom('postgres://', 'postgresql://', 'mysql://', 'sqlserver://', 'http://'), syntax(':@/?#%=&[]', 80)).map(([s, r]) => s + r);
    await campaign('connection string', fc.oneof(structured, url, syntax('=;" \'{}', 300)), async (text, slowest) => {
      const parsed = await only('parseConnectionString', () => parseConnectionString(text), slowest);
      if (parsed) {
        const again = parseConnectionString(formatConnectionString(parsed.entries));
        expect(again.entries).toEqual(parsed.entries);
      }
      await only('parseDatabaseUrl', () => parseDatabaseUrl(text), slowest);
    });
  });

  it('EncryptedCredentials (JWE): random text and altered tokens are DmgwErrors; the real one opens', async () => {
    const b64 = syntax('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 60);
    const fiveParts = fc.array(b64, { minLength: 1, maxLength: 7 }).map((p) => p.join('.'));
    const altered = fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 }), fc.nat({ max: 3 })).map(([at, s, how]) => {
      const i = at % token.length;
      return how === 0 ? token.slice(0, i) + s + token.slice(i + 1) : how === 1 ? token.slice(0, i) : how === 2 ? token.slice(0, i) + s + token.slice(i) : token.split('.').reverse().join('.');
    });
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    await campaign('JWE', fc.oneof(fiveParts, altered, anyJson, fc.constant(token)), async (jwe, slowest) => {
      await only('inspectCredential', () => inspectCredential(jwe), slowest);
      const opened = await only('openCredential', () => openCredential(jwe, [key]), slowest);
      if (opened) expect(jwe).toBe(token);
    });
  });

  it('gateway keys: a DmgwError or a key with every field', async () => {
    const fields = fc.record({ v: fc.jsonValue({ maxDepth: 1 }), url: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.webUrl()), gen: fc.jsonValue({ maxDepth: 1 }), fingerprint: fc.jsonValue({ maxDepth: 1 }), key: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] });
    const mutated = fields.map((f) => `DMGW@${Buffer.from(JSON.stringify({ ...validKey, ...f })).toString('base64url')}`);
    const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => `DMGW@${Buffer.from(JSON.stringify(v) ?? '').toString('base64url')}`);
    const text = fc.oneof(syntax('DMGW@ABCabc-_=', 80), fc.constant(formatGatewayKey(validKey)));
    await campaign('gateway key', fc.oneof(mutated, anyJson, text), async (k, slowest) => {
      const parsed = await only('parseGatewayKey', () => parseGatewayKey(k), slowest);
      if (parsed) for (const f of ['url', 'factory', 'gateway', 'gatewayId', 'secret'] as const) expect(typeof parsed[f]).toBe('string');
    });
  });

  it('ADF JSON files: syntax errors and any shape are problems, never exceptions', async () => {
    const types = fc.constantFrom('PostgreSql', 'AzureBlobStorage', 'FileServer', 'DelimitedText', 'Copy', 'SelfHosted', 'Json', 'MySql', 'SqlServer');
    const resource = fc.record({ name: fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })), properties: fc.oneof(fc.record({ type: fc.oneof(types, fc.jsonValue({ maxDepth: 1 })), typeProperties: fc.jsonValue({ maxDepth: 4 }), connectVia: fc.jsonValue({ maxDepth: 2 }), linkedServiceName: fc.jsonValue({ maxDepth: 2 }), activities: fc.jsonValue({ maxDepth: 4 }), parameters: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] });
    const text = fc.oneof(resource.map((r) => JSON.stringify(r)), resource.map((r) => JSON.stringify(r).slice(0, -3)), syntax('{}[]":,/*\\ \n', 200));
    await campaign('ADF JSON', fc.tuple(fc.constantFrom(...KINDS), text), async ([kind, t], slowest) => {
      await only('validateFactory', () => {
        const factory = emptyFactory('/fuzz');
        addDocument(factory, kind, new JsonDocument(`/fuzz/${kind}/x.json`, t), 'x');
        return validateFactory(factory);
      }, slowest);
    });
  });

  it('what the service runs on any resource PUT to it: masking, secret finding, gateway lookup', async () => {
    const props = fc.record({ type: fc.oneof(fc.constantFrom('PostgreSql', 'AzureBlobStorage', 'SqlServer', 'MySql', 'FileServer'), fc.jsonValue({ maxDepth: 1 })), typeProperties: fc.oneof(fc.record({ connectionString: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })), password: fc.jsonValue({ maxDepth: 2 }), accountKey: fc.jsonValue({ maxDepth: 2 }), sasUri: fc.jsonValue({ maxDepth: 2 }), gatewayName: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 3 })), connectVia: fc.jsonValue({ maxDepth: 2 }), parameters: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] });
    await campaign('service resource functions', props, async (p, slowest) => {
      const ls = { kind: 'linkedService', name: 'ls', file: '', properties: p } as unknown as LinkedService;
      await only('gatewayOf', () => gatewayOf(ls), slowest);
      await only('findPlaintextSecrets', () => findPlaintextSecrets(ls), slowest);
      await only('maskSecrets', () => maskSecrets(p, true), slowest);
      await only('echoedMask', () => echoedMask(p, true), slowest);
    });
  });
});
