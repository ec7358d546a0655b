import * as assert from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import * as vscode from 'vscode';
import type { EncryptSummary } from '../../../src/common/credential/encryptLinkedService';
import type { LocalGatewayStatus } from '../../../src/extension/agent/gatewayStatus';
import type { FactoryServiceTreeItem } from '../../../src/extension/tree/FactoryServiceTreeItem';
import type { GatewayKeyTreeItem } from '../../../src/extension/tree/GatewayKeyTreeItem';
import type { IntegrationRuntimeTreeItem } from '../../../src/extension/tree/IntegrationRuntimeTreeItem';
import type { ServiceFactoryTreeItem } from '../../../src/extension/tree/ServiceFactoryTreeItem';
import { until } from '../../support/wait';
import { activateExtension, env, factoryDir } from './support';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';

suite('Factory service: gateways, keys, and the local gateway Online', () => {
  const svc = (): { url: string; caCertFile: string; adminTokenFile: string } => JSON.parse(env('DMGW_E2E_SERVICE'));

  test('create a gateway in a service factory, register this machine with its key, Start → Online; regenerate the key → it stops', async () => {
    const api = await activateExtension();
    const s = svc();
    const token = readFileSync(s.adminTokenFile, 'utf8').trim();
    // The factory itself comes from any ARM client, as in Azure.
    const arm = new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, SUBSCRIPTION, {
      endpoint: s.url,
      tlsOptions: { ca: readFileSync(s.caCertFile, 'utf8') },
    });
    await arm.factories.createOrUpdate('rg-e2e', 'factory-e2e', { location: 'local' });

    assert.strictEqual(await vscode.commands.executeCommand('dmgw.connectFactoryService', { url: s.url, token, caCertificateFile: s.caCertFile }), true);
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('dmgw')).includes(token), 'the token is not in settings');
    const roots = await api.tree.getChildren();
    const service = roots.find((r) => r.label === 'Factory service') as FactoryServiceTreeItem;
    assert.ok(service, `roots: ${JSON.stringify(roots.map((r) => r.label))}`);
    const factory = (await service.getChildren()).find((f) => f.label === 'factory-e2e') as ServiceFactoryTreeItem;
    assert.ok(factory);
    assert.strictEqual(factory.resourceGroup, 'rg-e2e');

    assert.strictEqual(await vscode.commands.executeCommand('dmgw.createGateway', factory, 'OnPremGateway'), 'OnPremGateway');
    const ir = (await factory.getChildren()).find((g) => g.label === 'OnPremGateway') as IntegrationRuntimeTreeItem;
    assert.ok(ir, 'the new gateway is listed');
    assert.strictEqual(ir.nodes.length, 0);
    const key1 = ir.getChildren().find((k) => k.label === 'authKey1') as GatewayKeyTreeItem;

    const registered = await vscode.commands.executeCommand<{ code: number; stderr: string }>('dmgw.registerWithKey', key1);
    assert.strictEqual(registered.code, 0, registered.stderr);
    const started = await vscode.commands.executeCommand<{ code: number; stderr: string }>('dmgw.startGateway');
    assert.strictEqual(started.code, 0, started.stderr);
    try {
      const online = await until<LocalGatewayStatus>('the local gateway to be Online', async () => {
        const st = (await api.gateway.refresh()).status;
        return st?.status === 'Online' ? st : undefined;
      });
      assert.strictEqual(online.gateway, 'OnPremGateway');
      const local = (await api.tree.getChildren())[0]!;
      assert.strictEqual(local.description, 'Online · OnPremGateway');
      assert.match(api.statusBar.item.text, /Gateway: Online/);
      const irNow = (await factory.getChildren()).find((g) => g.label === 'OnPremGateway') as IntegrationRuntimeTreeItem;
      assert.strictEqual(irNow.nodes.length, 1, 'the service lists this machine as a node');
      await vscode.commands.executeCommand('dmgw.showLogs');

      // A gateway on another machine: no certificate here, so Encrypt uses the one the service publishes for it.
      const thumbprint = api.gateway.current.certificate!;
      const config = vscode.workspace.getConfiguration('dmgw');
      await config.update('home', mkdtempSync(join(tmpdir(), 'dmgw-other-machine-')), vscode.ConfigurationTarget.Global);
      try {
        const file = join(factoryDir(), 'linkedService/UnreachablePostgreSql.json');
        const summary = await vscode.commands.executeCommand<EncryptSummary>('dmgw.encryptCredential', vscode.Uri.file(file), { secret: 'typed-into-the-password-box' });
        assert.strictEqual(summary?.thumbprint, thumbprint, 'encrypted for the certificate the service published');
        const text = readFileSync(file, 'utf8');
        assert.ok(!text.includes('typed-into-the-password-box') && text.includes('EncryptedCredential='));
      } finally {
        await config.update('home', undefined, vscode.ConfigurationTarget.Global);
      }

      // Regenerating the key this node registered with stops it.
      assert.strictEqual(await vscode.commands.executeCommand('dmgw.regenerateGatewayKey', key1, true), true);
      const after = await until(
        'the node to stop being Online',
        async () => {
          const st = (await api.gateway.refresh()).status;
          return st && st.status !== 'Online' ? st : undefined;
        },
        60_000,
        500,
      );
      console.log(`after regenerating the key: ${after.status}${after.message ? ` (${after.message})` : ''}`);
    } finally {
      await vscode.commands.executeCommand('dmgw.stopGateway');
    }
    // Remove Gateway (confirmed) deletes it from the service.
    const irGone = (await factory.getChildren()).find((g) => g.label === 'OnPremGateway') as IntegrationRuntimeTreeItem;
    assert.strictEqual(await vscode.commands.executeCommand('dmgw.removeGateway', irGone, true), true);
    assert.ok(!(await factory.getChildren()).some((g) => g.label === 'OnPremGateway'));
  });
});
