/** The extension's few long-lived singletons, set once in `activate` (vscode-azurefunctions' `ext` pattern). */
import type * as vscode from 'vscode';
import type { AgentClient } from './agent/agentClient';
import type { AzureAccount } from './azure/azureAccount';
import type { GatewayStatusWatcher } from './agent/gatewayStatus';
import type { FactoryDiagnostics } from './diagnostics/factoryDiagnostics';
import type { SecretStore } from './secretStore';
import type { GatewayTreeDataProvider } from './tree/GatewayTreeDataProvider';
import type { GatewayStatusBar } from './statusBar';

export interface ExtensionVariables {
  context: vscode.ExtensionContext;
  /** The "Data Management Gateway" log channel: everything the extension and the agents it starts say. */
  log: vscode.LogOutputChannel;
  secrets: SecretStore;
  agent: AgentClient;
  gateway: GatewayStatusWatcher;
  diagnostics: FactoryDiagnostics;
  tree: GatewayTreeDataProvider;
  statusBar: GatewayStatusBar;
  /** The Microsoft session behind the view's Azure node. */
  azure: AzureAccount;
  /** how long `activate` took, in ms (the harness reports it) */
  activationMs: number;
}

export const ext = {} as ExtensionVariables;

export const OUTPUT_CHANNEL_NAME = 'Data Management Gateway';
