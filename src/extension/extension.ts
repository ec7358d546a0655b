/**
 * The Data Management Gateway extension: authoring help for factories in ADF's Git layout (schemas, cross-file
 * diagnostics, credential encryption) and running and operating a gateway through the agent bundled inside it.
 */
import * as vscode from 'vscode';
import { AgentClient } from './agent/agentClient';
import { GatewayStatusWatcher } from './agent/gatewayStatus';
import { AzureAccount } from './azure/azureAccount';
import { registerAuthoring } from './authoring';
import { registerCommands } from './commands/registerCommands';
import { FactoryDiagnostics } from './diagnostics/factoryDiagnostics';
import { FactoryQuickFixes } from './diagnostics/quickFixes';
import { EncryptCodeLensProvider } from './encryptCodeLens';
import { ext, OUTPUT_CHANNEL_NAME } from './extensionVariables';
import { SecretStore } from './secretStore';
import { GatewayStatusBar } from './statusBar';
import { GatewayTreeDataProvider } from './tree/GatewayTreeDataProvider';
import { registerRuns } from './runs/registerRuns';

/**
 * Factory files are JSON with comments (package.json's configurationDefaults associate them with jsonc, and every
 * tool parses them with jsonc-parser); a user who maps them back to json still gets the CodeLens.
 */
const linkedServiceFiles: vscode.DocumentSelector = ['json', 'jsonc'].map((language) => ({ language, scheme: 'file', pattern: '**/linkedService/*.json' }));

const factoryFiles: vscode.DocumentSelector = ['json', 'jsonc'].map((language) => ({ language, scheme: 'file', pattern: '**/{linkedService,dataset,pipeline,integrationRuntime}/*.json' }));

/** What `activate` hands back: the extension's singletons, for its integration tests. */
export type DmgwExtensionApi = typeof ext;

export function activate(context: vscode.ExtensionContext): DmgwExtensionApi {
  const started = performance.now();
  ext.context = context;
  ext.log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  ext.secrets = new SecretStore(context.secrets);
  ext.agent = new AgentClient(context.asAbsolutePath('dist/agent/cli.js'), ext.log);
  const seconds = vscode.workspace.getConfiguration('dmgw').get<number>('statusRefreshSeconds') ?? 15;
  ext.gateway = new GatewayStatusWatcher(ext.agent, Math.max(2, seconds) * 1000);
  ext.diagnostics = new FactoryDiagnostics(ext.log);
  ext.azure = new AzureAccount();
  ext.tree = new GatewayTreeDataProvider(ext.gateway, ext.azure);
  ext.statusBar = new GatewayStatusBar(ext.gateway);
  context.subscriptions.push(
    ext.log,
    ext.gateway,
    ext.azure,
    ext.diagnostics,
    ext.tree,
    ext.statusBar,
    vscode.window.createTreeView('dmgw.gateway', { treeDataProvider: ext.tree, showCollapseAll: true }),
    vscode.languages.registerCodeLensProvider(linkedServiceFiles, new EncryptCodeLensProvider()),
    vscode.languages.registerCodeActionsProvider(factoryFiles, new FactoryQuickFixes(), FactoryQuickFixes.metadata),
  );
  registerCommands(context);
  // what the palette offers follows the gateway's state (Start only for a registered, stopped node)
  context.subscriptions.push(
    ext.gateway.onDidChange((st) => {
      void vscode.commands.executeCommand('setContext', 'dmgw.gatewayRegistered', st.status?.registered === true && st.status.status !== 'NeedRegistration');
      void vscode.commands.executeCommand('setContext', 'dmgw.gatewayRunning', st.status?.host?.running === true);
    }),
  );
  // issue 14's authoring views (Preview Data, Pipeline Graph): their own commands, CodeLens and webviews
  registerAuthoring(context);
  registerRuns(context);
  ext.gateway.start();
  void ext.azure.restore();
  void ext.diagnostics.validateWorkspace();
  ext.activationMs = performance.now() - started;
  ext.log.info(`Data Management Gateway extension ${context.extension.packageJSON.version} activated in ${ext.activationMs.toFixed(1)} ms; agent ${ext.agent.cliPath}`);
  return ext;
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
