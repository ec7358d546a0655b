/**
 * A real Azurite blob server (the npm package's own CLI) in a child process on a free port, in-memory.
 * `--skipApiVersionCheck` is required: the current SDK sends an API version Azurite does not know yet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const DEV_ACCOUNT = 'devstoreaccount1';
/** Azurite's published well-known development key (not a secret). */
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The development account's connection string for an Azurite (or a proxy in front of one) on this port. */
export const devConnectionString = (port: number): string => `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;

export interface AzuriteServer {
  port: number;
  blobEndpoint: string;
  connectionString: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * In memory by default; `location` keeps the blobs on disk instead (for more data than memory should hold).
 * `accounts` replace the development account with the test's own (AZURITE_ACCOUNTS; keys are base64); the
 * connection string and endpoint are then the first one's.
 */
export async function startAzurite(opts: { location?: string; accounts?: Array<{ name: string; key: string }> } = {}): Promise<AzuriteServer> {
  const require = createRequire(__filename);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const child = spawn(
    process.execPath,
    [main, '--blobHost', '127.0.0.1', '--blobPort', '0', ...(opts.location ? ['--location', opts.location] : ['--inMemoryPersistence', '--extentMemoryLimit', '2048']), '--skipApiVersionCheck', '--disableTelemetry', '--silent', '--loose'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: opts.accounts ? { ...process.env, AZURITE_ACCOUNTS: opts.accounts.map((a) => `${a.name}:${a.key}`).join(';') } : process.env },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start in 30 s: ${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /(?:listening at|listens on) https?:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited with ${code}: ${out}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const own = opts.accounts?.[0];
  return {
    port,
    blobEndpoint: `http://127.0.0.1:${port}/${own?.name ?? DEV_ACCOUNT}`,
    connectionString: own ? `DefaultEndpointsProtocol=http;AccountName=${own.name};AccountKey=${own.key};BlobEndpoint=http://127.0.0.1:${port}/${own.name};` : devConnectionString(port),
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
