/**
 * The Configuration Manager: one webview panel (Home, Settings, Diagnostics, Help) whose every value comes from the
 * agent. It sends the page a fresh state on open, on each gateway state change and after every action it runs.
 */
import * as vscode from 'vscode';
import type { AgentSetting, ConfigManagerState, Diagnosis, ProxyReport, FromWebview, TestConnectionResult, ToWebview } from '../../common/configManagerMessages';
import { gatewayOf } from '../../common/model/gateway';
import { VERSION } from '../../common/version';
import { firstLine, isUnknownCommand } from '../agent/agentClient';
import { showCertificates } from '../agent/gatewayCertificate';
import { testLinkedServiceConnection } from '../agent/testConnection';
import { ext } from '../extensionVariables';
import { findFactoryDirs, readFactory } from '../factories';
import { configManagerHtml } from './configManagerHtml';

export class ConfigManagerPanel implements vscode.Disposable {
  static current: ConfigManagerPanel | undefined;
  private readonly subs: vscode.Disposable[] = [];
  /** The last result of each kind, for tests that drive the page. */
  lastTestConnection: TestConnectionResult | undefined;
  lastDiagnosis: Diagnosis | undefined;

  static show(): ConfigManagerPanel {
    if (ConfigManagerPanel.current) {
      ConfigManagerPanel.current.panel.reveal();
      return ConfigManagerPanel.current;
    }
    const media = vscode.Uri.joinPath(ext.context.extensionUri, 'dist', 'webviews');
    const panel = vscode.window.createWebviewPanel('dmgw.configurationManager', 'Gateway Configuration Manager', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: true,
    });
    ConfigManagerPanel.current = new ConfigManagerPanel(panel, vscode.Uri.joinPath(media, 'configManager.js'));
    return ConfigManagerPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    script: vscode.Uri,
  ) {
    panel.iconPath = new vscode.ThemeIcon('server-environment');
    panel.webview.html = configManagerHtml(panel.webview, panel.webview.asWebviewUri(script));
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m)),
      ext.gateway.onDidChange(() => void this.pushState()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(m: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  async pushState(): Promise<ConfigManagerState> {
    const state = await this.state();
    await this.post({ type: 'state', state });
    return state;
  }

  private async state(): Promise<ConfigManagerState> {
    const g = ext.gateway.current;
    let certificates: ConfigManagerState['certificates'];
    try {
      const shown = await showCertificates(ext.agent);
      certificates = { home: shown.home, list: shown.certificates.map(({ thumbprint, current, subject, notBefore, notAfter, keyBits }) => ({ thumbprint, current, subject, notBefore, notAfter, keyBits })) };
    } catch (e) {
      certificates = { list: [], error: (e as Error).message };
    }
    const linkedServices: ConfigManagerState['linkedServices'] = [];
    for (const dir of await findFactoryDirs()) {
      for (const ls of readFactory(dir).linkedServices.values()) linkedServices.push({ factoryDir: dir, name: ls.name, type: String(ls.properties.type), gateway: gatewayOf(ls)?.name });
    }
    let settings: ConfigManagerState['settings'];
    try {
      settings = { list: await ext.agent.json<AgentSetting[]>(['config', 'list', '--json'], { timeoutMs: 20_000 }) };
    } catch (e) {
      settings = { list: [], error: isUnknownCommand(e) ? 'this agent has no config command' : (e as Error).message };
    }
    let proxy: ConfigManagerState['proxy'];
    try {
      proxy = { report: await ext.agent.json<ProxyReport>(['proxy', 'show', '--json'], { timeoutMs: 20_000 }) };
    } catch (e) {
      proxy = { error: isUnknownCommand(e) ? 'this agent has no proxy command' : (e as Error).message };
    }
    return {
      extensionVersion: VERSION,
      settings,
      proxy,
      gateway: { status: g.status, error: g.error, checkedAt: g.checkedAt.toISOString() },
      certificates,
      linkedServices,
      verboseLogging: vscode.workspace.getConfiguration('dmgw').get<boolean>('verboseLogging') ?? false,
    };
  }

  private async onMessage(m: FromWebview): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
        case 'refresh':
          await ext.gateway.refresh();
          await this.pushState();
          return;
        case 'start':
          await vscode.commands.executeCommand('dmgw.startGateway');
          return;
        case 'stop':
          await vscode.commands.executeCommand('dmgw.stopGateway');
          return;
        case 'register':
          await vscode.commands.executeCommand('dmgw.registerGateway');
          return;
        case 'openLogs':
          ext.log.show();
          return;
        case 'setVerbose':
          await vscode.workspace.getConfiguration('dmgw').update('verboseLogging', m.on, vscode.ConfigurationTarget.Global);
          ext.log.info(`verbose logging ${m.on ? 'on' : 'off'} for the agent processes the extension starts`);
          await this.pushState();
          return;
        case 'newCertificate':
        case 'importCertificate':
        case 'exportCertificate':
        case 'rotateCredentialEndpointToken':
        case 'setProxy':
          await vscode.commands.executeCommand(`dmgw.${m.type}`);
          await this.pushState();
          return;
        case 'enableCredentialEndpoint':
        case 'disableCredentialEndpoint':
          await vscode.commands.executeCommand('dmgw.setCredentialEndpoint', m.type === 'enableCredentialEndpoint' ? undefined : null);
          await this.pushState();
          return;
        case 'setUpdateSchedule':
          await vscode.commands.executeCommand('dmgw.setUpdateSchedule');
          await this.pushState();
          return;
        case 'clearProxy':
          await vscode.commands.executeCommand('dmgw.setProxy', null);
          await this.pushState();
          return;
        case 'testConnection':
          await this.testConnection(m.factoryDir, m.linkedService);
          return;
        case 'diagnose':
          await this.diagnose();
          return;
      }
    } finally {
      await this.post({ type: 'busy', what: undefined });
    }
  }

  /** `dmgw test-connection`: connects through the linked service from this machine, as the gateway would. */
  async testConnection(factoryDir: string, linkedService: string): Promise<TestConnectionResult> {
    await this.post({ type: 'busy', what: `Testing ${linkedService}…` });
    const result = await testLinkedServiceConnection(factoryDir, linkedService);
    this.lastTestConnection = result;
    await this.post({ type: 'testConnectionResult', result });
    return result;
  }

  /** The Diagnostics page's health report (`dmgw diagnose --json`, exit 1 when a check failed) and the host's metrics (`dmgw metrics --json`). */
  async diagnose(): Promise<Diagnosis> {
    await this.post({ type: 'busy', what: 'Running the health check…' });
    const d: Diagnosis = {};
    const r = await ext.agent.exec(['diagnose', '--json'], { timeoutMs: 120_000 });
    try {
      d.report = JSON.parse(r.stdout) as Diagnosis['report'];
    } catch {
      d.reportError = /unknown command/.test(r.stderr) ? 'this agent has no diagnose command' : firstLine(r.stderr) || `dmgw diagnose exited with ${r.code}`;
    }
    try {
      d.metrics = await ext.agent.json<Diagnosis['metrics']>(['metrics', '--json'], { timeoutMs: 20_000 });
    } catch (e) {
      d.metricsError = isUnknownCommand(e) ? 'this agent has no metrics command' : (e as Error).message;
    }
    ext.log.info(`health check: ${d.report ? Object.entries(d.report.summary).map(([k, v]) => `${v} ${k}`).join(', ') : d.reportError}`);
    this.lastDiagnosis = d;
    await this.post({ type: 'diagnosis', diagnosis: d });
    return d;
  }

  dispose(): void {
    ConfigManagerPanel.current = undefined;
    for (const s of this.subs) s.dispose();
    this.panel.dispose();
  }
}
