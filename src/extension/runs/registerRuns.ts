/** The Runs view (issue 14): its tree, the local run store Run Pipeline Locally records into, and its commands. */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';
import { LocalRuns, localRunStore } from './localRuns';
import { cancelRun, openRunLog, rerun } from './runCommands';
import { RunsTreeDataProvider } from './RunsTreeDataProvider';
import { registerGuarded } from '../commands/registerCommands';

export function registerRuns(context: vscode.ExtensionContext): RunsTreeDataProvider {
  const local = new LocalRuns(join((context.storageUri ?? context.globalStorageUri).fsPath, 'runs'));
  localRunStore.current = local;
  const provider = new RunsTreeDataProvider(local, ext.azure);
  context.subscriptions.push(local, provider, vscode.window.createTreeView('dmgw.runs', { treeDataProvider: provider, showCollapseAll: true }));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const commands: Record<string, (...args: any[]) => unknown> = {
    'dmgw.runs.refresh': () => provider.refresh(),
    'dmgw.runs.cancel': (item: unknown) => cancelRun(local, item),
    'dmgw.runs.rerun': (item: unknown) => rerun(local, item),
    'dmgw.runs.openLog': (item: unknown) => openRunLog(local, item),
    // for the VS Code suites: the view's provider
    'dmgw.runs.provider': () => provider,
  };
  registerGuarded(context, commands);
  return provider;
}
