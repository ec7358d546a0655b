/**
 * A TCP load balancer for tests, in front of several service replicas (what HAProxy or a cloud load balancer does
 * with TLS passthrough). `round-robin`: each new connection goes to the next backend in turn; `failover`: to the
 * first backend that accepts, so a test knows which replica holds the connections until it dies. A backend that
 * refuses the connection is skipped. Counts connections per backend.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  port: number;
  /** connections forwarded, per backend port */
  readonly served: Map<number, number>;
  close(): Promise<void>;
}

export async function startTcpBalancer(backendPorts: number[], mode: 'round-robin' | 'failover' = 'round-robin'): Promise<TcpBalancer> {
  const served = new Map<number, number>(backendPorts.map((p) => [p, 0]));
  const sockets = new Set<Socket>();
  let next = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    const tryBackend = (attempt: number) => {
      if (attempt >= backendPorts.length || client.destroyed) return void client.destroy();
      const port = backendPorts[mode === 'failover' ? attempt : next++ % backendPorts.length]!;
      const upstream = connect({ port, host: '127.0.0.1' });
      track(upstream);
      // refused (a dead replica): the next backend; errors after the connection are handled below
      upstream.once('error', () => tryBackend(attempt + 1));
      upstream.once('connect', () => {
        served.set(port, (served.get(port) ?? 0) + 1);
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    served,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
