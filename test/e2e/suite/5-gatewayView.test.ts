import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, env } from './support';

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

  // Issue 14, item 8: an unregistered node has nothing to start; the tree does not offer Start, the command says why.
  test('Start is not offered, and starts nothing, while the node is not registered', async () => {
    const api = await activateExtension();
    const st = await api.gateway.refresh();
    assert.strictEqual(st.status?.status, 'NeedRegistration', JSON.stringify(st));
    const local = (await api.tree.getChildren())[0]!;
    const menu = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['view/item/context'] as Array<{ command: string; when: string }>).find((m) => m.command === 'dmgw.startGateway')!;
    const offered = new RegExp(/viewItem =~ \/(.*)\//.exec(menu.when)![1]!);
    assert.ok(!offered.test(String(local.contextValue)), `the inline Start is not shown on "${local.contextValue}"`);
    assert.ok(offered.test('localGateway stopped registered'), 'it is on a registered, stopped node');
    const r = await vscode.commands.executeCommand('dmgw.startGateway');
    assert.strictEqual(r, undefined, 'nothing was started');
    assert.strictEqual((await api.gateway.refresh()).status?.host?.running, false);
  });
});
