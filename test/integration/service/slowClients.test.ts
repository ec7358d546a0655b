/**
 * Slow and greedy clients against the real service, over raw TCP and TLS sockets: a socket that never says anything,
 * headers or a body sent a byte a second, a large body before authentication, too many connections from one address.
 * Each is closed or refused within seconds; a legitimate long poll of the longest wait still completes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelClient, ChannelFailure } from '../../../src/agent/channel/client.js';
import { joinGateway } from '../../../src/agent/channel/joinGateway.js';
import { nodeToken, readRegistration, type Registration } from '../../../src/agent/channel/registration.js';
import { channelDispatcher } from '../../../src/agent/channel/trust.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, startTestService, tempDir } from '../../support/factoryService.js';
import { SUPPORT_REPORT_MAX_BYTES } from '../../../src/common/gateway/supportReport.js';
import { closedWithin, openTcp, openTls, post, send } from '../../support/rawHttps.js';

/** headersTimeout, handshake and pre-authentication body deadlines are 10 s; the check runs every second */
const CLOSED_WITHIN_MS = 14_000;
const POLL_WAIT_SECONDS = 15;
const CAP = 6;
let svc: RunningService & { logs: string[] };
let token: string;
let reg: Registration;

const trickle = (s: { write(b: string): unknown; destroyed: boolean }, text: string, everyMs = 1000) => {
  let i = 0;
  const t = setInterval(() => {
    if (s.destroyed || i >= text.length) return clearInterval(t);
    s.write(text[i++]!);
  }, everyMs);
  return () => clearInterval(t);
};

/** Whether `s` is still open `ms` from now (it is left open). */
const openAfter = (s: { destroyed: boolean; once(e: 'close', f: () => void): unknown; on(e: 'error', f: () => void): unknown }, ms: number) =>
  new Promise<boolean>((resolve) => {
    s.on('error', () => undefined);
    const t = setTimeout(() => resolve(!s.destroyed), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(false);
    });
  });

beforeAll(async () => {
  svc = await startTestService({ settings: { pollWaitSeconds: POLL_WAIT_SECONDS, heartbeatSeconds: 5, leaseSeconds: 30 }, maxConnectionsPerAddress: CAP });
  const arm = armClient(svc);
  await arm.factories.createOrUpdate(RESOURCE_GROUP, 'factory-slow', { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, 'factory-slow', 'gw', { properties: { type: 'SelfHosted' } });
  const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, 'factory-slow', 'gw')).authKey1!;
  const home = new GatewayHome(tempDir('dmgw-home'));
  await joinGateway(home, key, { nodeName: 'node' });
  reg = readRegistration(home)!;
  token = await nodeToken(home, reg);
});
afterAll(async () => svc?.close());

// the four that wait for a timeout run side by side
describe('slow clients', () => {
  it.concurrent('a TCP connection that never starts TLS is closed within seconds', async () => {
    const s = await openTcp(svc);
    expect(await closedWithin(s, CLOSED_WITHIN_MS)).toBeDefined();
  });

  it.concurrent('a TLS connection that never sends a request is closed within seconds', async () => {
    const s = await openTls(svc);
    expect(await closedWithin(s, CLOSED_WITHIN_MS)).toBeDefined();
  });

  it.concurrent('headers sent a byte a second are cut off within seconds (408)', async () => {
    const s = await openTls(svc);
    s.write('POST /gateway/v1/register HTTP/1.1\r\nHost: x\r\n');
    const stop = trickle(s, 'X-Slow: '.padEnd(200, 'a'));
    const closed = await closedWithin(s, CLOSED_WITHIN_MS);
    stop();
    expect(closed?.text).toMatch(/^HTTP\/1\.1 408/);
  });

  it.concurrent('a body sent a byte a second to /register (before authentication) is cut off within seconds', async () => {
    const s = await openTls(svc);
    s.write('POST /gateway/v1/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const stop = trickle(s, '"key":"'.padEnd(999, 'k'));
    const closed = await closedWithin(s, CLOSED_WITHIN_MS);
    stop();
    expect(closed, 'the server kept the trickle open').toBeDefined();
    expect(closed!.text).toMatch(/^HTTP\/1\.1 408/);
    expect(closed!.text).toContain('RequestTimeout');
  });

  it('a 1 MiB body before authentication is refused (413) without being read', async () => {
    const s = await openTls(svc);
    // the headers promise 1 MiB; the server answers before any of it arrives
    s.write(`POST /gateway/v1/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n{`);
    const closed = await closedWithin(s, 5000);
    expect(closed, 'the server waited for the body').toBeDefined();
    expect(closed!.text).toMatch(/^HTTP\/1\.1 413/);
    expect(closed!.text).toContain('65536');
  });

  it('a large body without a length (chunked) is cut at the limit before authentication', async () => {
    const r = await send(svc, { method: 'POST', path: '/gateway/v1/register', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: JSON.stringify({ key: 'k'.repeat(200_000) }) }).catch((e: Error) => e);
    // either the 413 arrives or the server closed while we were still sending: never a read of the whole body
    if (r instanceof Error) expect(r.message).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    else expect(r.status).toBe(413);
  });

  it('an authenticated body over the limit is read to its end before the 413: the sender gets the 413, not a reset (8 times)', async () => {
    // The server used to close with the rest of the body unread; under load the reset that follows reached the client
    // before it read the answer (CI: status undefined, "unreachable")
    const client = new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }), token);
    const body = Buffer.alloc(SUPPORT_REPORT_MAX_BYTES + 1, 0x1f);
    try {
      const answers: Array<number | string | undefined> = [];
      for (let i = 0; i < 8; i++) answers.push(await client.uploadSupportReport(body).then(() => 'accepted', (e: unknown) => (e instanceof ChannelFailure ? (e.status ?? e.message) : String(e))));
      expect(answers).toEqual(Array(8).fill(413));
    } finally {
      await client.close();
    }
  });

  it('an authenticated sender still writing its oversized body, and slow to read, gets the 413, not a reset', async () => {
    // Deterministic form of the CI race: the client keeps writing its body after the server could answer, then reads.
    // When the server answered at once and closed, its socket was gone by the second write; its kernel answered with
    // a reset, which discards the 413 still unread in the client's buffer (EPIPE, no answer). An authenticated
    // caller's body is now read to its end first (http/body.ts, drain).
    const s = await openTls(svc);
    s.pause(); // stays paused when 'data' is listened to below: nothing is read until resume()
    let text = '';
    let error = '';
    // answered (the JSON body of the 413 is whole; the connection may stay open) or closed
    const answered = new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if (/\r\n\r\n\{.*\}$/s.test(text)) resolve();
      });
    });
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.write(`POST /gateway/v1/support-reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/gzip\r\nContent-Length: ${SUPPORT_REPORT_MAX_BYTES + 1}\r\n\r\n`);
    s.write(Buffer.alloc(64 * 1024, 0x1f));
    await new Promise((r) => setTimeout(r, 500));
    s.write(Buffer.alloc(SUPPORT_REPORT_MAX_BYTES + 1 - 64 * 1024, 0x1f));
    await new Promise((r) => setTimeout(r, 500));
    s.resume();
    const t = setTimeout(() => s.destroy(new Error('still open after 15 s')), 15_000);
    await answered;
    clearTimeout(t);
    s.destroy();
    expect({ error, answer: text.split('\r\n')[0] }).toEqual({ error: '', answer: 'HTTP/1.1 413 Payload Too Large' });
    expect(text).toContain(`at most ${SUPPORT_REPORT_MAX_BYTES} bytes`);
  });

  it('an unauthenticated request with a body is answered 401 and its connection closed, the body unread', async () => {
    const s = await openTls(svc);
    s.write(`POST /gateway/v1/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n{`);
    const closed = await closedWithin(s, 5000);
    expect(closed?.text).toMatch(/^HTTP\/1\.1 401/);
  });

  it('after authentication a large body is fine: a 1 MiB event batch is taken', async () => {
    const events = Array.from({ length: 1000 }, () => ({ event: 'log', time: new Date().toISOString(), runId: '00000000-0000-0000-0000-000000000000', level: 'info', message: 'x'.repeat(1000) }));
    const r = await post(svc, '/gateway/v1/jobs/00000000-0000-0000-0000-000000000000/events', { leaseToken: 't', events }, token);
    // the job does not exist: the lease check answers, after the whole body was read and checked
    expect([r.status, r.json?.error?.code]).toEqual([409, 'LeaseLost']);
  });

  it('a long poll of the longest wait is not cut by any timeout', async () => {
    const r = await post(svc, '/gateway/v1/poll', { free: 1, waitSeconds: POLL_WAIT_SECONDS }, token, 60_000);
    expect(r.status, r.text).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(POLL_WAIT_SECONDS * 1000 - 500);
  });
});

describe('greedy clients', () => {
  it(`at most ${CAP} connections from one address: the next is closed at once, and a freed slot is usable again`, async () => {
    // connections this suite's clients keep alive count too: open until one is refused, which must come by CAP + 1
    const held: Awaited<ReturnType<typeof openTls>>[] = [];
    let refused = false;
    while (!refused && held.length <= CAP) {
      const s = await openTls(svc).catch(() => undefined);
      if (!s || !(await openAfter(s, 500))) refused = true;
      else held.push(s);
    }
    expect(refused, `${held.length} connections were open and the next was taken`).toBe(true);
    expect(held.length).toBeLessThanOrEqual(CAP);
    held.pop()!.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const r = await send(svc, { path: '/gateway/v1/certificate' });
    expect(r.status).toBe(200);
    for (const s of held) s.destroy();
    expect(svc.logs.some((l) => /connection cap/.test(l))).toBe(true);
  });

  it('the service answered none of this with a 500', () => {
    expect(svc.logs.filter((l) => / error /.test(l))).toEqual([]);
    expect(readFileSync(svc.caCertFile, 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
