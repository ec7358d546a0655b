import * as assert from 'node:assert';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient } from '@azure/storage-blob';
import * as vscode from 'vscode';
import type { LocalRunResult } from '../../../src/extension/commands/runPipelineLocally';
import type { RunEvent } from '../../../src/common/events';
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

  test('Cancel stops the worker mid-copy and leaves no blob behind', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'pipeline/CopyBigSalesOrdersToBlob.json'));
    const cancel = new vscode.CancellationTokenSource();
    let rowsAtCancel = -1;
    const r = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', uri, {
      onEvent: (e: RunEvent) => {
        if (e.event === 'progress' && rowsAtCancel < 0) {
          rowsAtCancel = e.rowsRead;
          cancel.cancel();
        }
      },
      token: cancel.token,
    });
    assert.ok(rowsAtCancel >= 0, 'a progress event came before the end');
    assert.ok(rowsAtCancel < Number(env('DMGW_E2E_BIG_ROWS')), `cancelled mid-copy (at ${rowsAtCancel} rows read)`);
    assert.strictEqual(r.cancelled, true);
    assert.strictEqual(r.status, 'Cancelled', JSON.stringify(r));
    assert.strictEqual(r.exitCode, 4, 'exit code 4 = cancelled, nothing committed');
    const container = BlobServiceClient.fromConnectionString(env('DMGW_E2E_AZURITE')).getContainerClient('sales');
    const left: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'orders/big', includeUncommitedBlobs: true })) left.push(b.name);
    assert.deepStrictEqual(left, [], 'no committed or uncommitted blob of the cancelled run');
  });
});
