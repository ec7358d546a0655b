// Issue 14's Runs view and remote Test Connection, in the real VS Code: local runs recorded by Run Pipeline Locally
// (activity rows, cancel, rerun, log) and the factory service's runs through the real ARM client (activity runs with
// rows, cancel, rerun, the JSON log); Test Connection on a linked service whose gateway is a service gateway with a
// node of its own (a second `dmgw host` with its own home, started here) goes through the service and answers with
// that node's driver message — success on the real PostgreSQL, ECONNREFUSED on a closed port.
import * as assert from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import * as vscode from 'vscode';
import type { TestConnectionResult } from '../../../src/common/configManagerMessages';
import type { LocalRunResult } from '../../../src/extension/commands/runPipelineLocally';
import type { RunsTreeDataProvider } from '../../../src/extension/runs/RunsTreeDataProvider';
import type { ActivityRunTreeItem, LocalRunTreeItem, ServiceRunTreeItem } from '../../../src/extension/runs/runTreeItems';
import { until } from '../../support/wait';
import { activateExtension, env, factoryDir } from './support';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
const RG = 'rg-runs';
const F = 'factory-runs';
const GW = 'RemoteGw';

type Item = vscode.TreeItem & { getChildren(): vscode.TreeItem[] | Promise<vscode.TreeItem[]> };
const children = async (i: vscode.TreeItem): Promise<Item[]> => (await (i as Item).getChildren()) as Item[];
const byLabel = async (items: Promise<Item[]> | Item[], label: string): Promise<Item | undefined> => (await items).find((i) => i.label === label);

suite('Runs view and Test Connection through the factory service', () => {
  const s = (): { url: string; caCertFile: string; adminTokenFile: string } => JSON.parse(env('DMGW_E2E_SERVICE'));
  let arm: DataFactoryManagementClient;
  let provider: RunsTreeDataProvider;
  let host: ChildProcess | undefined;
  const remoteHome = mkdtempSync(join(tmpdir(), 'dmgw-remote-node-'));
  const added: string[] = [];

  suiteSetup(async function () {
    this.timeout(180_000);
    const api = await activateExtension();
    const token = readFileSync(s().adminTokenFile, 'utf8').trim();
    arm = new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, SUBSCRIPTION, { endpoint: s().url, tlsOptions: { ca: readFileSync(s().caCertFile, 'utf8') } });
    assert.strictEqual(await vscode.commands.executeCommand('dmgw.connectFactoryService', { url: s().url, token, caCertificateFile: s().caCertFile }), true);
    // a gateway of the service with a node of its own: another home, another host (as on another machine)
    await arm.factories.createOrUpdate(RG, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RG, F, GW, { properties: { type: 'SelfHosted' } });
    const keys = await arm.integrationRuntimes.listAuthKeys(RG, F, GW);
    const nodeEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1', DMGW_HOME: remoteHome, NODE_EXTRA_CA_CERTS: s().caCertFile };
    const reg = spawnSync(process.execPath, [api.agent.cliPath, 'register', '--key-stdin', '--node-name', 'remote-node'], { env: nodeEnv, input: keys.authKey1, encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(reg.status, 0, reg.stderr);
    host = spawn(process.execPath, [api.agent.cliPath, 'host'], { env: nodeEnv, stdio: 'ignore' });
    await until('the remote node Online', async () => {
      const st = await arm.integrationRuntimes.getStatus(RG, F, GW);
      return st.properties.state === 'Online' || undefined;
    }, 60_000, 500);
    const pg = { type: 'PostgreSql', connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: 'Server=127.0.0.1;Port=5432;Database=test;UID=postgres' } };
    await arm.linkedServices.createOrUpdate(RG, F, 'RemotePg', { properties: pg as never });
    await arm.datasets.createOrUpdate(RG, F, 'RemoteRows', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'RemotePg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: env('DMGW_E2E_PG_SCHEMA'), table: 'sales_orders' } as never });
    const lookup = (name: string, query: string) => ({ name, type: 'Lookup', dataset: { referenceName: 'RemoteRows', type: 'DatasetReference' }, source: { type: 'PostgreSqlSource', query }, firstRowOnly: false });
    await arm.pipelines.createOrUpdate(RG, F, 'RunsLookup', { activities: [lookup('FiveRows', 'SELECT n FROM generate_series(1, 5) n') as never] });
    await arm.pipelines.createOrUpdate(RG, F, 'RunsSlow', { activities: [lookup('Sleep', 'SELECT pg_sleep(120) IS NULL AS slept') as never] });
    // the workspace's files: linked services through that gateway, and a local pipeline that waits
    const write = (rel: string, v: unknown) => {
      writeFileSync(join(factoryDir(), rel), JSON.stringify(v, null, 4));
      added.push(join(factoryDir(), rel));
    };
    write('linkedService/RemotePg.json', { name: 'RemotePg', properties: pg });
    write('linkedService/RemoteClosedPort.json', { name: 'RemoteClosedPort', properties: { ...pg, typeProperties: { connectionString: 'Server=127.0.0.1;Port=1;Database=test;UID=postgres' } } });
    write('pipeline/RunsWait.json', { name: 'RunsWait', properties: { activities: [{ name: 'Hold', type: 'Wait', typeProperties: { waitTimeInSeconds: 60 } }] } });
    provider = (await vscode.commands.executeCommand<RunsTreeDataProvider>('dmgw.runs.provider'))!;
    assert.ok(provider, 'the Runs view is registered');
  });

  suiteTeardown(async () => {
    for (const f of added) rmSync(f, { force: true });
    if (host && host.exitCode === null && host.signalCode === null) {
      const exited = new Promise((r) => host!.once('exit', r));
      host.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    rmSync(remoteHome, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    // the UI phase shares the service: its Azure tree lists every factory the suites leave behind
    await arm?.factories.delete(RG, F).catch(() => undefined);
  });

  test('Test Connection on a linked service of a service gateway goes through the service to its node', async () => {
    const ok = await vscode.commands.executeCommand<TestConnectionResult>('dmgw.testConnection', vscode.Uri.file(join(factoryDir(), 'linkedService/RemotePg.json')));
    assert.strictEqual(ok?.ok, true, ok?.message);
    assert.match(ok.message, /^connected to RemotePg \(PostgreSql\) — through RemoteGw on node remote-node \(factory factory-runs\)$/);
    const bad = await vscode.commands.executeCommand<TestConnectionResult>('dmgw.testConnection', vscode.Uri.file(join(factoryDir(), 'linkedService/RemoteClosedPort.json')));
    assert.strictEqual(bad?.ok, false);
    assert.match(bad.message, /could not connect to RemoteClosedPort \(PostgreSql\): .*ECONNREFUSED 127\.0\.0\.1:1.* through RemoteGw on node remote-node/);
  });

  test('local runs: listed with activity rows; cancel a running one; rerun; open its log', async () => {
    const copy = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', vscode.Uri.file(join(factoryDir(), 'pipeline/CopySalesOrdersToBlob.json')), { parameters: {} });
    assert.strictEqual(copy.status, 'Succeeded', JSON.stringify(copy.error ?? copy.stderr));
    const rows = Number(env('DMGW_E2E_ROWS'));
    const localRoot = (await provider.getChildren())[0]!;
    assert.strictEqual(localRoot.label, 'Local runs');
    const item = (await children(localRoot)).find((r) => (r as unknown as LocalRunTreeItem).run?.id === copy.localRunId) as unknown as LocalRunTreeItem;
    assert.ok(item, 'the run is listed');
    assert.match(String(item.description), /^Succeeded · /);
    const acts = (await children(item)) as unknown as ActivityRunTreeItem[];
    assert.strictEqual(acts.length, 1);
    assert.match(String(acts[0]!.description), new RegExp(`^Succeeded · ${rows.toLocaleString('en-US')} rows · .* written · `));

    // a run in progress: the view shows it running, Cancel stops its process
    const waiting = vscode.commands.executeCommand<LocalRunResult>('dmgw.runPipelineLocally', vscode.Uri.file(join(factoryDir(), 'pipeline/RunsWait.json')), { parameters: {} });
    const running = await until('RunsWait running in the view', async () => (await children((await provider.getChildren())[0]!)).find((r) => r.label === 'RunsWait' && /running/.test(r.contextValue ?? '')), 60_000, 200);
    assert.strictEqual(await vscode.commands.executeCommand('dmgw.runs.cancel', running), true);
    const cancelled = await waiting;
    assert.strictEqual(cancelled.status, 'Cancelled');
    const after = (await children((await provider.getChildren())[0]!)).find((r) => (r as unknown as LocalRunTreeItem).run?.id === cancelled.localRunId)!;
    assert.match(String(after.description), /^Cancelled · /);
    assert.ok(!/running/.test(after.contextValue ?? ''), 'no Cancel on an ended run');

    // rerun: the same pipeline and parameters, a new record
    const again = await vscode.commands.executeCommand<LocalRunResult>('dmgw.runs.rerun', item);
    assert.strictEqual(again?.status, 'Succeeded');
    assert.notStrictEqual(again.localRunId, copy.localRunId);
    assert.strictEqual(again.rowsCopied, rows);

    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('dmgw.runs.openLog', item);
    const log = editor!.document.getText();
    assert.match(log, /run [0-9a-f-]+ of CopySalesOrdersToBlob started/);
    assert.match(log, new RegExp(`Succeeded, ${rows.toLocaleString('en-US')} rows`));
  });

  test('service runs: activity runs with rows, cancel a running one, rerun, the log as JSON', async () => {
    const { runId } = await arm.pipelines.createRun(RG, F, 'RunsLookup');
    await until('RunsLookup to succeed', async () => ((await arm.pipelineRuns.get(RG, F, runId)).status === 'Succeeded' ? true : undefined), 90_000, 500);
    const factory = async () => {
      const service = await byLabel(provider.getChildren() as Promise<Item[]>, 'Factory service');
      assert.ok(service, 'the Factory service node');
      const f = await byLabel(children(service), F);
      assert.ok(f, `factory ${F} is listed`);
      return f;
    };
    const runItem = async (id: string) => (await children(await factory())).find((r) => (r as unknown as ServiceRunTreeItem).run?.runId === id) as unknown as ServiceRunTreeItem | undefined;
    const done = (await runItem(runId))!;
    assert.match(String(done.description), /^Succeeded · /);
    const acts = (await done.getChildren()) as ActivityRunTreeItem[];
    assert.deepStrictEqual(acts.map((a) => a.label), ['FiveRows']);
    assert.match(String(acts[0]!.description), /^Succeeded · 5 rows · /);

    // cancel: a run whose Lookup sleeps on the remote node
    const slow = await arm.pipelines.createRun(RG, F, 'RunsSlow');
    const inProgress = await until('RunsSlow in progress in the view', async () => {
      const it = await runItem(slow.runId);
      return it && /running/.test(it.contextValue ?? '') && it.run.status === 'InProgress' ? it : undefined;
    }, 60_000, 500);
    assert.strictEqual(await vscode.commands.executeCommand('dmgw.runs.cancel', inProgress), true);
    await until('RunsSlow cancelled', async () => ((await arm.pipelineRuns.get(RG, F, slow.runId)).status === 'Cancelled' ? true : undefined), 60_000, 500);

    // rerun: a new run of the same pipeline
    const rerunId = await vscode.commands.executeCommand<string>('dmgw.runs.rerun', done);
    assert.ok(rerunId && rerunId !== runId, `a new run: ${rerunId}`);
    const rerun = await until('the rerun to succeed', async () => {
      const r = await arm.pipelineRuns.get(RG, F, rerunId);
      return r.status === 'Succeeded' ? r : undefined;
    }, 90_000, 500);
    assert.strictEqual(rerun.pipelineName, 'RunsLookup');

    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('dmgw.runs.openLog', done);
    const log = JSON.parse(editor!.document.getText()) as { pipelineRun: { runId: string }; activityRuns: Array<{ activityName: string; output: { count: number } }> };
    assert.strictEqual(log.pipelineRun.runId, runId);
    assert.strictEqual(log.activityRuns[0]!.output.count, 5);
  });
});
