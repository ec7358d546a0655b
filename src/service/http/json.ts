/** Reading and writing JSON bodies with a size limit; a malformed body is a 400, never a crash. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './httpError.js';

const LIMIT = 8 * 1024 * 1024;

export async function readJson<T = unknown>(req: IncomingMessage): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > LIMIT) throw new HttpError(413, 'RequestEntityTooLarge', `the request body is larger than ${LIMIT} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HttpError(400, 'InvalidRequestContent', 'the request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
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
