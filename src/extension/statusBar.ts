/** The status bar item: the local gateway's status at a glance; a click opens the Configuration Manager. */
import * as vscode from 'vscode';
import type { GatewayState, GatewayStatusWatcher } from './agent/gatewayStatus';

const ICONS: Record<string, string> = {
  Online: '$(pass-filled)',
  Limited: '$(warning)',
  Offline: '$(circle-slash)',
  Stopped: '$(debug-stop)',
  NeedRegistration: '$(key)',
  Upgrading: '$(sync~spin)',
};

export class GatewayStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('dmgw.gatewayStatus', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;

  constructor(watcher: GatewayStatusWatcher) {
    this.item.name = 'Data Management Gateway';
    this.item.command = 'dmgw.openConfigurationManager';
    this.show(watcher.current);
    this.sub = watcher.onDidChange((s) => this.show(s));
    this.item.show();
  }

  show(state: GatewayState): void {
    const s = state.status?.status;
    this.item.text = s ? `${ICONS[s] ?? '$(server)'} Gateway: ${s}` : '$(server) Gateway: unknown';
    this.item.tooltip = s ? `Data Management Gateway${state.status?.gateway ? ` ${state.status.gateway}` : ''}: ${s}` : `Data Management Gateway: ${state.error ?? 'not checked yet'}`;
    this.item.backgroundColor = s === 'Offline' || s === 'Limited' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
