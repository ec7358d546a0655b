import { BlobServiceClient } from '@azure/storage-blob';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteServer } from '../../support/azurite.js';
import { startFaultProxy } from '../../support/faultProxy.js';

describe('test support: Azurite', () => {
  let az: AzuriteServer;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(() => az?.stop());

  it('stores and returns the bytes of a blob', async () => {
    const svc = BlobServiceClient.fromConnectionString(az.connectionString);
    const c = svc.getContainerClient('probe');
    await c.createIfNotExists();
    const body = Buffer.from('hello, gateway\n'.repeat(1000));
    await c.getBlockBlobClient('a.txt').upload(body, body.length);
    const back = await c.getBlockBlobClient('a.txt').downloadToBuffer();
    expect(back.equals(body)).toBe(true);
  });
});

describe('test support: fault proxy', () => {
  it('forwards bytes, then cuts a connection after N downstream bytes exactly once', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const proxy = await startFaultProxy((echo.address() as { port: number }).port, '127.0.0.1', { cutDownstreamAfterBytes: 5000 });
    const roundTrip = (n: number) =>
      new Promise<number>((resolve) => {
        const s = connect(proxy.port, '127.0.0.1');
        let got = 0;
        s.on('data', (b) => (got += b.length));
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
        s.write(Buffer.alloc(n, 1), () => setTimeout(() => s.end(), 200));
      });
    const first = await roundTrip(20000);
    expect(first).toBeLessThan(20000);
    expect(proxy.cutCount).toBe(1);
    const second = await roundTrip(20000);
    expect(second).toBe(20000);
    await proxy.close();
    echo.close();
  });
});
