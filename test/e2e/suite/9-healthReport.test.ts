import * as assert from 'node:assert';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import * as vscode from 'vscode';
import type { LocalGatewayStatus } from '../../../src/extension/agent/gatewayStatus';
import type { AgentResult } from '../../../src/extension/agent/agentClient';
import type { ConfigManagerPanel } from '../../../src/extension/webview/ConfigManagerPanel';
import { until } from '../../support/wait';
import { activateExtension, env } from './support';

const freePort = (): Promise<number> => new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });

// The Diagnostics page's health report and metrics, from the real agent: this machine registered to a gateway of the
// test factory service, its host started with metrics on, then the page's "Run health check".
suite('Configuration Manager: health report and metrics', () => {
  test('the health check shows every step to the service ok and the host\'s own metrics', async () => {
    const api = await activateExtension();
    const s = JSON.parse(env('DMGW_E2E_SERVICE')) as { url: string; caCertFile: string; adminTokenFile: string };
    const token = readFileSync(s.adminTokenFile, 'utf8').trim();
    const arm = new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, '00000000-0000-0000-0000-000000000001', { endpoint: s.url, tlsOptions: { ca: readFileSync(s.caCertFile, 'utf8') } });
    await arm.factories.createOrUpdate('rg-e2e', 'factory-health', { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate('rg-e2e', 'factory-health', 'HealthGateway', { properties: { type: 'SelfHosted' } });
    const key = (await arm.integrationRuntimes.listAuthKeys('rg-e2e', 'factory-health', 'HealthGateway')).authKey1!;
    const registered = await vscode.commands.executeCommand<AgentResult>('dmgw.registerGateway', key);
    assert.strictEqual(registered.code, 0, registered.stderr);
    const port = await freePort();
    assert.strictEqual((await api.agent.exec(['config', 'set', 'metrics.port', String(port)])).code, 0);
    const started = await vscode.commands.executeCommand<AgentResult>('dmgw.startGateway');
    assert.strictEqual(started.code, 0, started.stderr);
    try {
      await until<LocalGatewayStatus>('the local gateway to be Online', async () => {
        const st = (await api.gateway.refresh()).status;
        return st?.status === 'Online' ? st : undefined;
      });
      const panel = await vscode.commands.executeCommand<ConfigManagerPanel>('dmgw.openConfigurationManager');
      const d = await panel.diagnose();
      assert.ok(d.report, d.reportError);
      const status = (id: string) => d.report!.checks.find((c) => c.id === id)?.status;
      for (const id of ['registration', 'host', 'node-credential', 'route-dns', 'route-tcp', 'route-tls', 'route-pin', 'route-clock']) assert.strictEqual(status(id), 'ok', `${id}: ${JSON.stringify(d.report.checks.find((c) => c.id === id))}`);
      assert.match(d.report.checks.find((c) => c.id === 'node-credential')!.detail, /gateway HealthGateway/);
      assert.ok(d.metrics, d.metricsError);
      const metric = (name: string, labels: Record<string, string> = {}) => d.metrics!.find((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v))?.value;
      assert.strictEqual(metric('dmgw_node_status', { status: 'Online' }), 1);
      assert.strictEqual(metric('dmgw_node_info', { gateway: 'HealthGateway' }), 1);
      assert.ok((metric('dmgw_node_concurrent_jobs_limit') ?? 0) >= 1);
      assert.deepStrictEqual(panel.lastDiagnosis, d);
    } finally {
      await vscode.commands.executeCommand('dmgw.stopGateway');
      await api.agent.exec(['config', 'unset', 'metrics.port']);
    }
  });
});
