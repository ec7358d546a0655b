/** Writing JSON answers (reading bodies: body.ts). */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  // A body we did not read (refused before reading, too large, too slow) is not drained: the connection closes.
  if (!res.req.complete) res.shouldKeepAlive = false;
  if (status === 304) {
    // Not Modified: no body, and no Content-Length (it would describe the 200's body).
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (body === undefined) {
    res.writeHead(status, { ...headers, 'content-length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
