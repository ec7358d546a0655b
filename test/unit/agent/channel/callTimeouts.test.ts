/**
 * Channel calls other than the poll give up on a connection that is open but never answers (a real local server
 * that accepts and says nothing), with a ChannelFailure the host can act on; `fresh` sends a call on a dispatcher of
 * its own, not on the pool.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelClient, ChannelFailure, reportTimeoutMs } from '../../../../src/agent/channel/client.js';

let server: Server;
let port: number;
const sockets: Socket[] = [];
/** connections that get an answer; the others stay silent */
let answering = false;

beforeAll(async () => {
  server = createServer((s) => {
    sockets.push(s);
    const answer = answering;
    s.on('data', () => {
      if (!answer) return;
      const body = JSON.stringify({ leaseExpiresAt: '2026-12-07T00:00:00.000Z', cancel: false });
      s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('channel call timeouts', () => {
  it('a lease report on a silent connection fails as unreachable, code timeout, saying why; a fresh call uses its own dispatcher', async () => {
    answering = false;
    let made = 0;
    const client = new ChannelClient(`http://127.0.0.1:${port}`, new Agent({ headersTimeout: 70_000, bodyTimeout: 70_000 }), 'token', () => {
      made++;
      return new Agent();
    });
    const e = await client.renew('job-1', 'lease-1', { timeoutMs: 300 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelFailure);
    expect(e).toMatchObject({ kind: 'unreachable', code: 'timeout' });
    expect((e as Error).message).toContain('no answer within 0.3 s (a stalled or dead connection)');
    expect(made).toBe(0);
    answering = true;
    expect(await client.renew('job-1', 'lease-1', { timeoutMs: 300, fresh: true })).toEqual({ leaseExpiresAt: '2026-12-07T00:00:00.000Z', cancel: false });
    expect(made).toBe(1);
    await client.close();
  });

  it('a report waits a quarter of the lease, 1 to 10 s', () => {
    expect([reportTimeoutMs(2), reportTimeoutMs(6), reportTimeoutMs(8), reportTimeoutMs(30), reportTimeoutMs(300)]).toEqual([1000, 1500, 2000, 7500, 10_000]);
  });
});
