/**
 * A small TCP fault proxy for tests (there is no toxiproxy or tc netem here): forwards 127.0.0.1:<port> to a
 * target and can cut connections after N bytes, reset them, stall, or throttle — per direction — so that a
 * test can break the source or the sink connection in the middle of a copy.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultPlan {
  /** Destroy the connection after this many bytes flowed target→client (downstream) in total across the proxy. */
  cutDownstreamAfterBytes?: number;
  /** Destroy the connection after this many bytes flowed client→target (upstream). */
  cutUpstreamAfterBytes?: number;
  /** How many connections to cut before behaving normally (default 1). */
  cuts?: number;
  /** Destroy the connection when a client→target chunk contains this text (a statement of the client's: `"dst" LIMIT 0`). */
  cutWhenUpstreamContains?: string;
  /** Use RST (resetAndDestroy) instead of a FIN. */
  reset?: boolean;
  /** Delay every chunk by this many ms (stall/throttle). */
  delayMs?: number;
  /** Flip the bits of the client→target byte at this offset of a connection, once per proxy (silent corruption of an upload). */
  corruptUpstreamAtByte?: number;
  /**
   * Change one letter or digit (its lowest bit) from the middle of the first target→client chunk of at least this
   * many bytes, once per proxy: a download body (not a small response) that still parses, with one value wrong.
   */
  corruptDownstreamChunkOver?: number;
}

export interface FaultProxy {
  port: number;
  /** Number of connections cut so far. */
  readonly cutCount: number;
  /** Number of connections accepted so far. */
  readonly connections: number;
  setPlan(plan: FaultPlan): void;
  /** Cuts every connection open now, at once (both sides); returns how many client connections it cut. */
  cutNow(reset?: boolean): number;
  /**
   * A dead path without a reset: every connection open now, and every one accepted in the next `forMs`, stays open but
   * passes no byte in either direction ever again (until the proxy closes). Connections accepted later pass. Returns
   * how many were open now.
   */
  blackhole(forMs: number): number;
  /** Connections blackholed so far. */
  readonly blackholed: number;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1', initial: FaultPlan = {}): Promise<FaultProxy> {
  let plan = { cuts: 1, ...initial };
  let cutCount = 0;
  let connections = 0;
  let corrupted = false;
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const dead = new WeakSet<Socket>();
  let blackholeUntil = 0;
  let blackholed = 0;
  const server: Server = createServer((client) => {
    connections++;
    clients.add(client);
    client.once('close', () => clients.delete(client));
    if (Date.now() < blackholeUntil) {
      dead.add(client);
      blackholed++;
    }
    const upstream = connect({ port: targetPort, host: targetHost });
    sockets.add(client).add(upstream);
    let down = 0;
    let up = 0;
    const kill = () => {
      cutCount++;
      for (const s of [client, upstream]) {
        if (plan.reset && 'resetAndDestroy' in s) s.resetAndDestroy();
        else s.destroy();
      }
    };
    const armed = () => cutCount < (plan.cuts ?? 1);
    const pipe = (from: Socket, to: Socket, dir: 'up' | 'down') => {
      from.on('data', (chunk: Buffer) => {
        if (dead.has(client)) return;
        if (dir === 'down') {
          const over = plan.corruptDownstreamChunkOver;
          if (over !== undefined && !corrupted && chunk.length >= over) {
            corrupted = true;
            chunk = Buffer.from(chunk);
            const alnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
            let i = chunk.length >> 1;
            while (i < chunk.length - 1 && !alnum(chunk[i]!)) i++;
            chunk[i] = chunk[i]! ^ 1;
          }
          down += chunk.length;
        } else {
          const at = plan.corruptUpstreamAtByte;
          if (at !== undefined && !corrupted && up <= at && at < up + chunk.length) {
            corrupted = true;
            chunk = Buffer.from(chunk);
            chunk[at - up] = chunk[at - up]! ^ 0xff;
          }
          up += chunk.length;
        }
        if (dir === 'up' && plan.cutWhenUpstreamContains !== undefined && armed() && chunk.includes(plan.cutWhenUpstreamContains)) {
          kill();
          return;
        }
        const limit = dir === 'down' ? plan.cutDownstreamAfterBytes : plan.cutUpstreamAfterBytes;
        const count = dir === 'down' ? down : up;
        if (limit !== undefined && armed() && count >= limit) {
          kill();
          return;
        }
        const send = () => {
          if (!to.destroyed && !to.write(chunk)) {
            from.pause();
            to.once('drain', () => from.resume());
          }
        };
        if (plan.delayMs) {
          from.pause();
          setTimeout(() => {
            send();
            from.resume();
          }, plan.delayMs);
        } else send();
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        to.destroy();
        sockets.delete(from);
      });
    };
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get cutCount() {
      return cutCount;
    },
    get connections() {
      return connections;
    },
    setPlan(p) {
      plan = { cuts: 1, ...p };
      cutCount = 0;
      corrupted = false;
    },
    get blackholed() {
      return blackholed;
    },
    blackhole(forMs) {
      blackholeUntil = Date.now() + forMs;
      for (const c of clients) dead.add(c);
      blackholed += clients.size;
      return clients.size;
    },
    cutNow(reset = false) {
      const n = clients.size;
      for (const s of [...sockets]) {
        if (reset && 'resetAndDestroy' in s) s.resetAndDestroy();
        else s.destroy();
      }
      return n;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
