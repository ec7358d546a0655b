import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { activateExtension, env } from './support';

suite('Gateway view', () => {
  test('shows the local gateway as the agent reports it, then the workspace factory with its resources', async () => {
    const api = await activateExtension();
    const state = await api.gateway.refresh();
    assert.strictEqual(state.status?.status, 'NeedRegistration', `an unregistered home: ${JSON.stringify(state)}`);
    assert.strictEqual(state.status?.home, env('DMGW_HOME'));
    assert.match(state.certificate ?? '', /^[0-9A-F]{64}$/, 'the certificate made by the harness');
    const roots = await api.tree.getChildren();
    assert.strictEqual(roots[0]!.label, 'Local gateway');
    assert.strictEqual(roots[0]!.description, 'NeedRegistration');
    const details = await api.tree.getChildren(roots[0]);
    const byLabel = new Map(details.map((d) => [d.label, d.description]));
    assert.strictEqual(byLabel.get('Certificate'), state.certificate);
    assert.strictEqual(byLabel.get('Running jobs'), '0');
    const factory = roots.find((r) => r.label === 'walkthrough');
    assert.ok(factory, `the walkthrough factory is listed: ${JSON.stringify(roots.map((r) => r.label))}`);
    const kinds = await api.tree.getChildren(factory);
    assert.deepStrictEqual(kinds.map((k) => `${k.label} ${k.description}`), ['Linked services 4', 'Datasets 6', 'Pipelines 3', 'Integration runtimes 1']);
    const pipelines = await api.tree.getChildren(kinds[2]);
    assert.deepStrictEqual(pipelines.map((p) => p.label), ['CopyBigSalesOrdersToBlob', 'CopySalesOrdersToBlob', 'CopySqlServerOrdersToBlob']);
    assert.strictEqual(pipelines[0]!.command?.command, 'vscode.open');
  });

  test('the status bar item shows the same status', async () => {
    const api = await activateExtension();
    await api.gateway.refresh();
    assert.match(api.statusBar.item.text, /Gateway: NeedRegistration/);
  });

  test('Start runs the host (still NeedRegistration until registered), Stop ends it', async () => {
    const api = await activateExtension();
    const started = await vscode.commands.executeCommand<{ code: number; stdout: string; stderr: string }>('dmgw.startGateway');
    assert.strictEqual(started.code, 0, started.stderr);
    try {
      const s = (await api.gateway.refresh()).status;
      assert.strictEqual(s?.host?.running, true, JSON.stringify(s));
      assert.strictEqual(s?.status, 'NeedRegistration');
      const local = (await api.tree.getChildren())[0]!;
      assert.match(String(local.contextValue), /running/, 'the tree offers Stop');
      const host = (await api.tree.getChildren(local)).find((d) => d.label === 'Host');
      assert.match(String(host?.description), /^running \(pid \d+\)$/);
    } finally {
      const stopped = await vscode.commands.executeCommand<{ code: number; stderr: string }>('dmgw.stopGateway');
      assert.strictEqual(stopped.code, 0, stopped.stderr);
    }
    assert.strictEqual((await api.gateway.refresh()).status?.host?.running, false);
    assert.match(String((await api.tree.getChildren())[0]!.contextValue), /stopped/, 'the tree offers Start again');
  });
});
