// Issue 14's Browse and create, in the extension host against real stores: a linked service's schemas and tables
// listed from the real PostgreSQL and its containers and blobs from Azurite by the bundled agent (an unreachable
// server shows its message as a tree item); Create Dataset from a table and from a blob (the file validates and
// previews the real rows); New Linked Service with a password that exists only encrypted (not in the file, Local
// History, the logs or any open document) and connects; New Dataset and New Pipeline whose copy runs locally; Publish
// Factory through an Azure-style connection (a TokenCredential), validated first, read back through the ARM client.
import * as assert from 'node:assert';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { BlobServiceClient } from '@azure/storage-blob';
import * as vscode from 'vscode';
import type { UploadResult } from '../../../src/agent/management/upload';
import type { TestConnectionResult } from '../../../src/common/configManagerMessages';
import type { LocalRunResult } from '../../../src/extension/commands/runPipelineLocally';
import type { PreviewPanel } from '../../../src/extension/preview/PreviewPanel';
import type { StoreItemTreeItem } from '../../../src/extension/tree/StoreItemTreeItem';
import { until } from '../../support/wait';
import { activateExtension, env, factoryDir, workspaceDir } from './support';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
const SECRET = 'browse14-typed-password-5f2c9';

type Node = vscode.TreeItem & { getChildren?: () => vscode.TreeItem[] | Promise<vscode.TreeItem[]> };

/** The tree's node at a chain of labels from the roots (each level read as the view reads it). */
async function nodeAt(...labels: string[]): Promise<Node> {
  const api = await activateExtension();
  let level: Node[] = (await api.tree.getChildren()) as Node[];
  let node: Node | undefined;
  for (const l of labels) {
    node = level.find((n) => n.label === l);
    assert.ok(node, `no "${l}" among ${JSON.stringify(level.map((n) => `${n.label}`))}`);
    level = ((await node.getChildren?.()) ?? []) as Node[];
  }
  return node!;
}

const childrenOf = async (...labels: string[]) => ((await (await nodeAt(...labels)).getChildren?.()) ?? []) as Node[];

/** Problems `dmgw validate` (the bundled agent) finds in one file of the workspace factory (it holds BrokenDataset on purpose). */
async function problemsIn(file: string): Promise<string[]> {
  const api = await activateExtension();
  const r = await api.agent.exec(['validate', factoryDir(), '--json'], { cwd: factoryDir() });
  const all = JSON.parse(r.stdout) as Array<{ severity: string; code: string; message: string; file?: string }>;
  assert.ok(all.some((p) => p.file?.endsWith('BrokenDataset.json')), 'validate reads the factory (its broken file is reported)');
  return all.filter((p) => p.file && resolve(factoryDir(), p.file) === file).map((p) => `${p.severity} ${p.code}: ${p.message}`);
}

/** Every file under `dir` (skipping big ones) whose text contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let s;
      try {
        s = statSync(p);
      } catch {
        continue;
      }
      if (s.isDirectory()) walk(p);
      else if (s.isFile() && s.size < 20 * 1024 * 1024 && readFileSync(p).includes(needle)) hits.push(p); // not sockets
    }
  };
  walk(dir);
  return hits;
}

suite('Browse and create: stores in the tree, datasets from tables, new resources, publish', () => {
  const schema = () => env('DMGW_E2E_PG_SCHEMA');

  test('a PostgreSQL linked service lists its schemas, then the tables of the seeded schema, from the real server', async () => {
    const schemas = await childrenOf('walkthrough', 'Linked services', 'OnPremPostgreSql');
    const names = schemas.map((s) => `${s.label}`);
    assert.ok(names.includes(schema()), `schemas: ${JSON.stringify(names)}`);
    assert.ok(!names.some((n) => n.startsWith('pg_') || n === 'information_schema'), 'no system schema');
    const tables = await childrenOf('walkthrough', 'Linked services', 'OnPremPostgreSql', schema());
    assert.deepStrictEqual(tables.map((t) => `${t.label}:${t.contextValue}`), ['sales_orders:storeItem Table', 'sales_orders_big:storeItem Table']);
  });

  test('a blob linked service lists containers, folders and blobs from Azurite; an unreachable server shows its message', async () => {
    const svc = BlobServiceClient.fromConnectionString(env('DMGW_E2E_AZURITE'));
    const c = svc.getContainerClient('browse-e2e');
    await c.createIfNotExists();
    const csv = 'id,name\n1,alpha\n2,beta\n';
    await c.getBlockBlobClient('in/2026/people.csv').upload(csv, csv.length);
    const containers = await childrenOf('walkthrough', 'Linked services', 'AzureStorage');
    assert.ok(containers.some((x) => x.label === 'browse-e2e'), `containers: ${JSON.stringify(containers.map((x) => x.label))}`);
    const files = await childrenOf('walkthrough', 'Linked services', 'AzureStorage', 'browse-e2e', 'in', '2026');
    assert.deepStrictEqual(files.map((f) => `${f.label}:${f.contextValue}`), ['people.csv:storeItem File']);
    const down = await childrenOf('walkthrough', 'Linked services', 'UnreachablePostgreSql');
    assert.strictEqual(down.length, 1);
    assert.strictEqual(down[0]!.label, 'Cannot list');
    assert.match(String(down[0]!.description), /could not list UnreachablePostgreSql \(PostgreSql\): .*ECONNREFUSED/);
  });

  test('Create Dataset on a table writes a PostgreSqlTable dataset that validates and previews the real rows', async () => {
    const table = (await nodeAt('walkthrough', 'Linked services', 'OnPremPostgreSql', schema(), 'sales_orders')) as unknown as StoreItemTreeItem;
    const uri = await vscode.commands.executeCommand<vscode.Uri>('dmgw.createDatasetFromStoreItem', table);
    assert.ok(uri, 'a file was written');
    assert.strictEqual(uri.fsPath, join(factoryDir(), 'dataset/SalesOrders.json'));
    const ds = JSON.parse(readFileSync(uri.fsPath, 'utf8'));
    assert.deepStrictEqual(ds, { name: 'SalesOrders', properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'OnPremPostgreSql', type: 'LinkedServiceReference' }, typeProperties: { schema: schema(), table: 'sales_orders' } } });
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath, 'the new file is open');
    assert.deepStrictEqual(await problemsIn(uri.fsPath), []);
    const panel = await vscode.commands.executeCommand<PreviewPanel>('dmgw.previewData', uri);
    assert.strictEqual(panel.lastError, undefined, panel.lastError);
    assert.strictEqual(panel.lastResult!.rows.length, 100);
    assert.deepStrictEqual(panel.lastResult!.rows.find((r) => r[0] === '1')!.slice(0, 3), ['1', 'customer 1', '0.07']);
    panel.dispose();
    // a second one gets a free name, never overwriting the first
    const again = await vscode.commands.executeCommand<vscode.Uri>('dmgw.createDatasetFromStoreItem', table);
    assert.strictEqual(again.fsPath, join(factoryDir(), 'dataset/SalesOrders2.json'));
    rmSync(again.fsPath);
  });

  test('Create Dataset on a CSV blob writes a DelimitedText dataset that previews the blob', async () => {
    const blob = (await nodeAt('walkthrough', 'Linked services', 'AzureStorage', 'browse-e2e', 'in', '2026', 'people.csv')) as unknown as StoreItemTreeItem;
    const uri = await vscode.commands.executeCommand<vscode.Uri>('dmgw.createDatasetFromStoreItem', blob);
    const ds = JSON.parse(readFileSync(uri.fsPath, 'utf8'));
    assert.strictEqual(ds.properties.type, 'DelimitedText');
    assert.deepStrictEqual(ds.properties.typeProperties.location, { type: 'AzureBlobStorageLocation', container: 'browse-e2e', folderPath: 'in/2026', fileName: 'people.csv' });
    assert.deepStrictEqual(await problemsIn(uri.fsPath), []);
    const panel = await vscode.commands.executeCommand<PreviewPanel>('dmgw.previewData', uri);
    assert.strictEqual(panel.lastError, undefined, panel.lastError);
    assert.deepStrictEqual(panel.lastResult!.rows, [['1', 'alpha'], ['2', 'beta']]);
    panel.dispose();
  });

  test('New Linked Service: the password is written only encrypted — not in the file, Local History, the logs or an editor — and it connects', async () => {
    const api = await activateExtension();
    const pg = new URL(process.env.DMGW_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('dmgw.newLinkedService', undefined, {
      factoryDir: factoryDir(),
      type: 'PostgreSql',
      name: 'NewPg',
      fields: { host: pg.hostname, '5432': pg.port || '5432', database: pg.pathname.slice(1), user: decodeURIComponent(pg.username) || 'postgres', OnPremGateway: 'OnPremGateway' },
      secret: SECRET,
    });
    assert.ok(uri);
    const text = readFileSync(uri.fsPath, 'utf8');
    assert.ok(!text.includes(SECRET), 'no plaintext password in the file');
    assert.match(text, /EncryptedCredential=ey/);
    assert.deepStrictEqual(await problemsIn(uri.fsPath), []);
    const r = await vscode.commands.executeCommand<TestConnectionResult>('dmgw.testConnection', uri);
    assert.strictEqual(r.ok, true, r.message);
    // the log says what was encrypted (so the scan below reads the right files), never the value
    const logs = dirname(dirname(dirname(api.context.logUri.fsPath)));
    await until('the log line of New Linked Service', () => filesContaining(logs, 'New Linked Service NewPg: ').length > 0, 30_000, 500);
    const userDir = dirname(dirname(api.context.globalStorageUri.fsPath));
    for (const where of [logs, userDir, workspaceDir()]) assert.deepStrictEqual(filesContaining(where, SECRET), [], `the password is in files under ${where}`);
    assert.ok(!existsSync(join(userDir, 'History')) || filesContaining(join(userDir, 'History'), SECRET).length === 0);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.getText().includes(SECRET)), 'no editor holds the password');
  });

  test('New Dataset on the new linked service, New Dataset on blob storage, New Pipeline copying one to the other: it runs', async () => {
    const src = await vscode.commands.executeCommand<vscode.Uri>('dmgw.newDataset', { dir: factoryDir() }, { type: 'PostgreSqlTable', linkedService: 'NewPg', name: 'NewOrders', schema: schema(), table: 'sales_orders' });
    const dst = await vscode.commands.executeCommand<vscode.Uri>('dmgw.newDataset', { dir: factoryDir() }, { type: 'DelimitedText', linkedService: 'AzureStorage', name: 'NewOrdersCsv', container: 'browse-e2e', folderPath: 'out', fileName: 'orders.csv' });
    const pipe = await vscode.commands.executeCommand<vscode.Uri>('dmgw.newPipeline', { dir: factoryDir() }, { template: 'Copy data', name: 'CopyNewOrders', source: 'NewOrders', sink: 'NewOrdersCsv', activity: 'Copy orders' });
    for (const u of [src, dst, pipe]) assert.deepStrictEqual(await problemsIn(u.fsPath), [], u.fsPath);
    const p = JSON.parse(readFileSync(pipe.fsPath, 'utf8'));
    assert.deepStrictEqual(p.properties.activities[0].typeProperties, { source: { type: 'PostgreSqlSource' }, sink: { type: 'DelimitedTextSink' } });
    const run = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', pipe);
    assert.strictEqual(run.status, 'Succeeded', run.stderr || JSON.stringify(run.error));
    assert.strictEqual(run.rowsCopied, Number(env('DMGW_E2E_ROWS')));
    const body = (await BlobServiceClient.fromConnectionString(env('DMGW_E2E_AZURITE')).getContainerClient('browse-e2e').getBlobClient('out/orders.csv').downloadToBuffer()).toString();
    assert.strictEqual(body.trim().split('\n').length, Number(env('DMGW_E2E_ROWS')) + 1, 'a header and every row');
  });

  test('Publish Factory to an Azure-style subscription (a TokenCredential): refused with errors, then read back through the ARM client', async () => {
    const s = JSON.parse(env('DMGW_E2E_SERVICE')) as { url: string; caCertFile: string; adminTokenFile: string };
    const token = readFileSync(s.adminTokenFile, 'utf8').trim();
    const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const arm = new DataFactoryManagementClient(credential, SUBSCRIPTION, { endpoint: s.url, tlsOptions: { ca: readFileSync(s.caCertFile, 'utf8') } });
    await arm.factories.createOrUpdate('rg-azure', 'factory-azure', { location: 'local' });
    const conn = { url: s.url, subscription: SUBSCRIPTION, credential, caCertFile: s.caCertFile };
    const refused = await vscode.commands.executeCommand<UploadResult | undefined>('dmgw.publishFactory', { dir: factoryDir(), conn, resourceGroup: 'rg-azure', factory: 'factory-azure' });
    assert.strictEqual(refused, undefined, 'BrokenDataset.json stops it');
    const names = async () => {
      const out: string[] = [];
      for await (const d of arm.datasets.listByFactory('rg-azure', 'factory-azure')) out.push(d.name!);
      return out.sort();
    };
    assert.deepStrictEqual(await names(), []);
    const clean = join(workspaceDir(), 'publish-azure');
    rmSync(clean, { recursive: true, force: true });
    cpSync(factoryDir(), clean, { recursive: true });
    rmSync(join(clean, 'dataset/BrokenDataset.json'));
    const r = await vscode.commands.executeCommand<UploadResult>('dmgw.publishFactory', { dir: clean, conn, resourceGroup: 'rg-azure', factory: 'factory-azure' });
    assert.ok(r, 'published');
    assert.ok((await names()).includes('SalesOrders') && (await names()).includes('NewOrdersCsv'), JSON.stringify(await names()));
    const ls = await arm.linkedServices.get('rg-azure', 'factory-azure', 'NewPg');
    assert.strictEqual(ls.properties.type, 'PostgreSql');
    assert.ok(!JSON.stringify(ls.properties).includes(SECRET));
    const p = await arm.pipelines.get('rg-azure', 'factory-azure', 'CopyNewOrders');
    assert.strictEqual(p.activities?.[0]?.name, 'Copy orders');
    rmSync(clean, { recursive: true, force: true });
  });
});
