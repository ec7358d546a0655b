/**
 * `npm run demo` end to end, scaled down: the built demo (dist/demo/main.js) starts its embedded servers and, by
 * default, the factory service; creates a gateway through its ARM API, registers a node and starts `dmgw host`,
 * encrypts for the certificate the service publishes and runs the pipeline through the queue. `--local` runs the
 * real `dmgw cert new`, `dmgw encrypt` and `dmgw run` instead. Either way it reads the blob back and must report the
 * table's row count and a checksum match. Also on Node 22 when scripts/node-env.sh has put it in NODE22_BIN.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROWS = 20_000;
const root = join(__dirname, '..', '..');
const demo = join(root, 'dist', 'demo', 'main.js');

function runDemo(node: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [demo, ...args], { env: { ...process.env, DMGW_DEMO_ROWS: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

const nodes: Array<[string, string]> = [['current Node', process.execPath]];
if (process.env.NODE22_BIN && existsSync(join(process.env.NODE22_BIN, 'node'))) nodes.push(['Node 22', join(process.env.NODE22_BIN, 'node')]);

describe('npm run demo', () => {
  it('is built with the CLI it drives', () => {
    expect(existsSync(demo), `${demo} is missing: run node scripts/build.mjs (npm test does)`).toBe(true);
    expect(existsSync(join(root, 'dist', 'agent', 'cli.js'))).toBe(true);
  });

  function expectVerified(out: string) {
    const rows = /rows\s+table ([\d,]+) = blob ([\d,]+)\s+(\S+)/.exec(out);
    expect(rows, out).not.toBeNull();
    expect(rows![1]).toBe(ROWS.toLocaleString('en-US'));
    expect(rows![2]).toBe(ROWS.toLocaleString('en-US'));
    expect(rows![3]).toBe('match');
    const sum = /checksum\s+table ([0-9a-f]{16}) = blob ([0-9a-f]{16})\s+(\S+)/.exec(out);
    expect(sum, out).not.toBeNull();
    expect(sum![2]).toBe(sum![1]);
    expect(sum![3]).toBe('match');
    expect(out).toMatch(new RegExp(`DEMO OK: verified ${ROWS.toLocaleString('en-US')} rows, checksum match`));
  }

  it.each(nodes)('through the service: gateway, node, host, queue; the blob equals the table (%s)', async (_label, node) => {
    const { code, out } = await runDemo(node, ['--rows', String(ROWS)]);
    expect(out, out).toMatch(/service at https:\/\/127\.0\.0\.1:\d+/);
    expect(out, out).toMatch(/creating factory dmgw-demo and gateway OnPremGateway through the ARM API \(@azure\/arm-datafactory\)/);
    expect(out, out).toMatch(/node demo-node Online; host pid \d+/);
    expect(out, out).toMatch(/dmgw encrypt --cert/);
    expect(out, out).toMatch(/1 gateway, 3 linked services, 3 datasets, 2 pipelines; run [0-9a-f-]{36} queued/);
    // the worker that ran it was the host's, as its state file showed while the run was going
    expect(out, out).toMatch(/the host leased the job: worker pid \d+, attempt 1/);
    expect(out, out).toMatch(/activity CopySalesOrders Succeeded/);
    expect(out, out).toMatch(/pickup\s+\d+ ms from createRun to the worker starting the copy on node demo-node/);
    expect(out, out).toMatch(/engine\s+its own consistency check \(validateDataConsistency\): passed/);
    for (const stage of ['servers', 'sample data', 'factory \\+ gateway', 'register \\+ host', 'encrypt', 'upload \\+ createRun', 'queue → worker → blob', 'verify']) expect(out).toMatch(new RegExp(`^\\s+${stage}\\s+[\\d.]+ s$`, 'm'));
    expectVerified(out);
    expect(code, out).toBe(0);
  }, 240_000);

  it.each(nodes)('--local: dmgw cert new, encrypt, run; the blob equals the table (%s)', async (_label, node) => {
    const { code, out } = await runDemo(node, ['--rows', String(ROWS), '--local']);
    expect(out, out).toMatch(/dmgw cert new/);
    expect(out, out).toMatch(/dmgw encrypt/);
    expect(out, out).toMatch(/dmgw run --factory/);
    expect(out).not.toMatch(/factory service/);
    expectVerified(out);
    expect(code, out).toBe(0);
  }, 180_000);

  it('rejects a bad --rows with a usage error', async () => {
    const { code, out } = await runDemo(process.execPath, ['--rows', 'many']);
    expect(code).toBe(2);
    expect(out).toMatch(/--rows must be a whole number/);
  });
});
