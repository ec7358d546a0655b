/**
 * At most `max` open connections per client address. One more is closed as it arrives — before the TLS handshake,
 * so a client that opens hundreds costs the service almost nothing — and the client sees its connection reset.
 * Nodes behind one NAT share an address (a node holds a few connections: its poll, heartbeat and reports), as do
 * clients behind a TCP load balancer: raise `maxConnectionsPerAddress` there.
 */
import type { Server } from 'node:net';

const WARN_EVERY_MS = 60_000;

export function capConnectionsPerAddress(server: Server, max: number, warn: (message: string) => void): void {
  const open = new Map<string, number>();
  const warned = new Map<string, number>();
  // first, before the TLS server wraps the socket
  server.prependListener('connection', (socket) => {
    const address = socket.remoteAddress ?? '?';
    const n = (open.get(address) ?? 0) + 1;
    if (n > max) {
      socket.destroy();
      if (Date.now() - (warned.get(address) ?? 0) > WARN_EVERY_MS) {
        warned.set(address, Date.now());
        warn(`connection cap: ${address} already has ${max} open connections; closing new ones (maxConnectionsPerAddress)`);
      }
      return;
    }
    open.set(address, n);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) return void open.set(address, left);
      open.delete(address);
      warned.delete(address);
    });
  });
}
