import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ConfigManagerPanel } from '../../../src/extension/webview/ConfigManagerPanel';
import { activateExtension, factoryDir } from './support';

suite('Configuration Manager', () => {
  test('opens with the agent\'s state: status and certificate', async () => {
    const api = await activateExtension();
    const panel = await vscode.commands.executeCommand<ConfigManagerPanel>('dmgw.openConfigurationManager');
    assert.ok(panel.panel.visible);
    const state = await panel.pushState();
    assert.strictEqual(state.gateway.status?.status, 'NeedRegistration');
    const current = state.certificates.list.find((c) => c.current);
    assert.strictEqual(current?.thumbprint, api.gateway.current.certificate);
    assert.ok(state.linkedServices.some((l) => l.name === 'OnPremPostgreSql' && l.gateway === 'OnPremGateway'));
    assert.match(panel.panel.webview.html, /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-[^']+'/);
  });

  test('Test Connection reports success for the real PostgreSQL and a clear failure for a closed port', async () => {
    const panel = await vscode.commands.executeCommand<ConfigManagerPanel>('dmgw.openConfigurationManager');
    const ok = await panel.testConnection(factoryDir(), 'OnPremPostgreSql');
    assert.strictEqual(ok.ok, true, ok.message);
    const bad = await panel.testConnection(factoryDir(), 'UnreachablePostgreSql');
    assert.strictEqual(bad.ok, false);
    assert.match(bad.message, /could not connect to UnreachablePostgreSql \(PostgreSql\): .*ECONNREFUSED 127\.0\.0\.1:1/);
  });
});
