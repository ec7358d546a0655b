// Issue 14's authoring views in the extension host: Preview Data through the bundled agent (PostgreSQL table, a gzip
// CSV blob in Azurite that Run Pipeline Locally wrote, a broken dataset's message), and the Pipeline Graph lighting
// up the running activity from a real local run's events.
import * as assert from 'node:assert';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import * as vscode from 'vscode';
import type { UploadResult } from '../../../src/agent/management/upload';
import type { LocalRunResult } from '../../../src/extension/commands/runPipelineLocally';
import type { PipelineGraphPanel } from '../../../src/extension/graph/PipelineGraphPanel';
import type { PreviewPanel } from '../../../src/extension/preview/PreviewPanel';
import type { RunEvent } from '../../../src/common/events';
import { activateExtension, env, factoryDir, sleep, workspaceDir } from './support';

/** A pipeline whose ForEach holds a long Wait: the graph shows it running until the run is cancelled. */
export function writeGraphPipeline(dir: string, name: string, holdSeconds: number): string {
  const wait = (n: string, seconds: number, dependsOn: Array<{ activity: string; dependencyConditions: string[] }> = []) => ({ name: n, type: 'Wait', dependsOn, typeProperties: { waitTimeInSeconds: seconds } });
  const file = join(dir, 'pipeline', `${name}.json`);
  const pipeline = {
    name,
    properties: {
      activities: [
        wait('Prepare', 1),
        {
          name: 'Each region',
          type: 'ForEach',
          dependsOn: [{ activity: 'Prepare', dependencyConditions: ['Succeeded'] }],
          typeProperties: { items: { value: '@createArray(1)', type: 'Expression' }, isSequential: true, activities: [wait('Hold', holdSeconds)] },
        },
        wait('On failure', 1, [{ activity: 'Each region', dependencyConditions: ['Failed'] }]),
        wait('Finish', 1, [{ activity: 'Each region', dependencyConditions: ['Succeeded'] }]),
      ],
    },
  };
  writeFileSync(file, JSON.stringify(pipeline, null, 4) + '\n');
  return file;
}

suite('Authoring: Preview Data and Pipeline Graph', () => {
  test('Preview Data shows the first 100 rows of the PostgreSQL table with column names and types', async () => {
    await activateExtension();
    const uri = vscode.Uri.file(join(factoryDir(), 'dataset/SalesOrdersTable.json'));
    const panel = await vscode.commands.executeCommand<PreviewPanel>('dmgw.previewData', uri);
    assert.ok(panel, 'the command returns the panel');
    assert.strictEqual(panel.lastError, undefined, panel.lastError);
    const r = panel.lastResult!;
    assert.deepStrictEqual(
      r.columns.map((c) => `${c.name}:${c.type}:${c.nativeType}`),
      ['order_id:integer:bigint', 'customer:string:text', 'amount:decimal:numeric(12,2)', 'ordered_at:timestamptz:timestamp with time zone'],
    );
    assert.strictEqual(r.rows.length, 100);
    assert.strictEqual(r.truncated, true);
    assert.strictEqual(r.source, `${env('DMGW_E2E_PG_SCHEMA')}.sales_orders`);
    const first = r.rows.find((row) => row[0] === '1')!;
    assert.deepStrictEqual(first.slice(0, 3), ['1', 'customer 1', '0.07']);
    assert.match(panel.panel.webview.html, /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-[^']+'/);
    panel.dispose();
  });

  test('Preview Data reads the gzip CSV blob in Azurite that Run Pipeline Locally wrote', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'dataset/SalesOrdersCsv.json'));
    const panel = await vscode.commands.executeCommand<PreviewPanel>('dmgw.previewData', uri);
    assert.strictEqual(panel.lastError, undefined, panel.lastError);
    const r = panel.lastResult!;
    assert.deepStrictEqual(r.columns.map((c) => c.name), ['order_id', 'customer', 'amount', 'ordered_at']);
    assert.strictEqual(r.rows.length, 100);
    assert.strictEqual(r.source, 'sales/orders/sales_orders.csv.gz');
    assert.deepStrictEqual(r.rows[0]!.slice(0, 3), ['1', 'customer 1', '0.07']);
    panel.dispose();
  });

  test('Preview Data on a broken dataset says which file, what is wrong and how to fix it', async () => {
    const uri = vscode.Uri.file(join(factoryDir(), 'dataset/BrokenDataset.json'));
    const panel = await vscode.commands.executeCommand<PreviewPanel>('dmgw.previewData', uri);
    assert.strictEqual(panel.lastResult, undefined);
    assert.match(panel.lastError ?? '', /cannot preview: .*BrokenDataset\.json:\d+:\d+: error: /);
    assert.doesNotMatch(panel.lastError ?? '', /\n\s+at /, 'no stack trace');
    panel.dispose();
  });

  test('the Pipeline Graph draws every activity and lights up the running one during a local run', async () => {
    const file = writeGraphPipeline(factoryDir(), 'GraphDemo', 120);
    const uri = vscode.Uri.file(file);
    const panel = await vscode.commands.executeCommand<PipelineGraphPanel>('dmgw.showPipelineGraph', uri);
    assert.ok(panel);
    for (const name of ['Prepare', 'Each region', 'Hold', 'On failure', 'Finish']) assert.match(panel.svg, new RegExp(`data-activity="${name}"`));
    assert.match(panel.svg, /data-from="Each region" data-to="On failure"><path [^>]+\/><text [^>]+>Failed<\/text>/);
    const cancel = new vscode.CancellationTokenSource();
    let seenRunning: string | undefined;
    const run = vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', uri, {
      onEvent: (e: RunEvent) => {
        // the graph hears the same event right after this callback
        if (e.event === 'activity-started' && e.activity === 'Hold') setTimeout(() => {
          seenRunning = panel.states.states.get('Hold');
          cancel.cancel();
        }, 0);
      },
      token: cancel.token,
    });
    const r = await run;
    assert.strictEqual(seenRunning, 'running', 'Hold was shown running while it ran');
    assert.strictEqual(panel.states.states.get('Prepare'), 'Succeeded');
    assert.strictEqual(r.status, 'Cancelled');
    assert.notStrictEqual(panel.states.states.get('Hold'), 'running', 'nothing stays lit after the run ends');
    assert.strictEqual(panel.states.states.get('Finish'), undefined, 'Finish never ran');
    await sleep(0);
    panel.dispose();
  });

  test('Publish Factory refuses a folder with errors and sends nothing; a valid folder lands in the service factory', async () => {
    const s = JSON.parse(env('DMGW_E2E_SERVICE')) as { url: string; caCertFile: string; adminTokenFile: string };
    const token = readFileSync(s.adminTokenFile, 'utf8').trim();
    const arm = new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, '00000000-0000-0000-0000-000000000001', { endpoint: s.url, tlsOptions: { ca: readFileSync(s.caCertFile, 'utf8') } });
    await arm.factories.createOrUpdate('rg-e2e', 'factory-publish', { location: 'local' });
    assert.strictEqual(await vscode.commands.executeCommand('dmgw.connectFactoryService', { url: s.url, token, caCertificateFile: s.caCertFile }), true);
    const names = async () => {
      const out: string[] = [];
      for await (const d of arm.datasets.listByFactory('rg-e2e', 'factory-publish')) out.push(d.name!);
      return out.sort();
    };
    // the test workspace's factory holds BrokenDataset.json: refused before anything is sent
    const refused = await vscode.commands.executeCommand<UploadResult | undefined>('dmgw.publishFactory', { dir: factoryDir(), resourceGroup: 'rg-e2e', factory: 'factory-publish' });
    assert.strictEqual(refused, undefined);
    assert.deepStrictEqual(await names(), []);
    const clean = join(workspaceDir(), 'publishable');
    rmSync(clean, { recursive: true, force: true });
    cpSync(factoryDir(), clean, { recursive: true });
    rmSync(join(clean, 'dataset/BrokenDataset.json'));
    const r = await vscode.commands.executeCommand<UploadResult>('dmgw.publishFactory', { dir: clean, resourceGroup: 'rg-e2e', factory: 'factory-publish' });
    assert.ok(r, 'published');
    assert.deepStrictEqual(await names(), ['BigSalesOrdersCsv', 'BigSalesOrdersTable', 'SalesOrdersCsv', 'SalesOrdersTable', 'SqlServerSalesOrdersTable']);
    const ls = await arm.linkedServices.get('rg-e2e', 'factory-publish', 'OnPremPostgreSql');
    assert.strictEqual(ls.properties.type, 'PostgreSql');
    assert.ok(!JSON.stringify(ls.properties).includes('e2e-not-a-real-secret'), 'no plaintext password comes back from the service');
    assert.ok(r.pipelines.includes('GraphDemo'));
    rmSync(clean, { recursive: true, force: true });
  });
});
