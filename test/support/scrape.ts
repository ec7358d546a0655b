/** Scraping a metrics endpoint in tests: the host's plain HTTP one, or the service's HTTPS one with a bearer token. */
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';

export interface Scrape {
  status: number;
  contentType: string;
  text: string;
}

export async function scrapeHost(port: number): Promise<Scrape> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', text: await r.text() };
}

/** GET `path` on the service, trusting its certificate file; `token` as the bearer (none when undefined). */
export function serviceGet(url: string, caCertFile: string, path: string, token?: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}${path}`, { ca: readFileSync(caCertFile, 'utf8'), headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end();
  });
}
