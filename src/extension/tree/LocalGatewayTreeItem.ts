/** The gateway on this machine, as `dmgw status --json` reports it: status, version, node, certificate, running jobs. */
import * as vscode from 'vscode';
import { hostRunning, runningJobCount, type GatewayState } from '../agent/gatewayStatus';
import { DetailTreeItem } from './DetailTreeItem';

export class LocalGatewayTreeItem extends vscode.TreeItem {
  constructor(public state: GatewayState) {
    super('Local gateway', vscode.TreeItemCollapsibleState.Expanded);
    this.id = 'dmgw.localGateway';
    this.show(state);
  }

  /** Takes a newer status (the provider then redraws this node and its children). */
  show(state: GatewayState): void {
    this.state = state;
    const s = state.status;
    this.description = s ? `${s.status}${s.gateway ? ` · ${s.gateway}` : ''}` : state.error ? 'unknown' : 'checking…';
    this.tooltip = s ? `Status: ${s.status}` : state.error;
    this.iconPath = new vscode.ThemeIcon(s?.status === 'Online' ? 'vm-running' : s?.status === 'NeedRegistration' ? 'key' : 'vm-outline');
    // `running`/`stopped` pick the inline Start or Stop button (package.json menus).
    this.contextValue = `localGateway ${hostRunning(s) ? 'running' : 'stopped'}${s?.registered ? ' registered' : ''}`;
  }

  getChildren(): vscode.TreeItem[] {
    const s = this.state.status;
    if (!s) return [new DetailTreeItem('Status', this.state.error ?? 'not checked yet', 'question')];
    const items = [new DetailTreeItem('Status', s.status, 'pulse')];
    if (s.version) items.push(new DetailTreeItem('Version', s.version, 'versions'));
    if (s.node) items.push(new DetailTreeItem('Node', s.node, 'server'));
    // The registration names the factory by its ARM id; its last segment is the factory's name.
    if (s.factory || s.serviceUrl) items.push(new DetailTreeItem('Factory', [s.factory?.split('/').pop(), s.serviceUrl].filter(Boolean).join(' @ '), 'cloud'));
    if (s.message) items.push(new DetailTreeItem('Message', s.message, 'info'));
    items.push(new DetailTreeItem('Host', hostRunning(s) ? `running (pid ${s.host?.pid ?? '?'})` : 'not running', 'vm'));
    const thumbprint = this.state.certificate;
    items.push(new DetailTreeItem('Certificate', thumbprint ?? 'none yet', 'shield', thumbprint ? 'detail copyable' : 'detail'));
    items.push(new DetailTreeItem('Running jobs', String(runningJobCount(s)), 'run-all'));
    return items;
  }
}
