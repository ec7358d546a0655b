import * as assert from 'node:assert';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient } from '@azure/storage-blob';
import * as vscode from 'vscode';
import type { LocalRunResult } from '../../../src/extension/commands/runPipelineLocally';
import { activateExtension, env, factoryDir } from './support';

suite('Run Pipeline Locally', () => {
  test('copies the sales table into Azurite through the bundled agent, with a verified checksum', async () => {
    await activateExtension();
    const uri = vscode.Uri.file(join(factoryDir(), 'pipeline/CopySalesOrdersToBlob.json'));
    const r = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', uri);
    assert.ok(r, 'the command returns the run result');
    assert.strictEqual(r.status, 'Succeeded', `run failed: ${JSON.stringify(r.error ?? r.stderr)}`);
    assert.strictEqual(r.exitCode, 0);
    const rows = Number(env('DMGW_E2E_ROWS'));
    assert.strictEqual(r.rowsCopied, rows);
    assert.strictEqual(r.activities[0]?.output?.dataConsistencyVerification?.ok, true);

    const container = BlobServiceClient.fromConnectionString(env('DMGW_E2E_AZURITE')).getContainerClient('sales');
    const blob = await container.getBlobClient('orders/sales_orders.csv.gz').downloadToBuffer();
    const lines = gunzipSync(blob).toString('utf8').trimEnd().split('\n');
    assert.strictEqual(lines[0]!.replace(/"/g, ''), 'order_id,customer,amount,ordered_at');
    assert.strictEqual(lines.length - 1, rows);
    assert.match(lines[1]!, /^1,"?customer 1"?,0\.07,/);
  });
});
