/**
 * The Runs view's actions. Rerun: a local run runs again (Run Pipeline Locally, same pipeline file and parameters;
 * SecureString values, which were not recorded, are asked for again); a service run is created again
 * (`pipelines.createRun`) with the parameters the run shows, a secure one (shown masked) asked for in a password
 * box. Cancel: SIGTERM to the local `dmgw run`, or `pipelineRuns.cancel`. Open Log: the local run's log, or the
 * service run and its activity runs (input, output, error) as JSON in an editor.
 */
import * as vscode from 'vscode';
import { MASK } from '../../common/maskSecrets';
import { ext } from '../extensionVariables';
import { factoryServiceClient } from '../service/factoryServiceClient';
import { runPipelineLocally, type LocalRunResult } from '../commands/runPipelineLocally';
import type { LocalRuns } from './localRuns';
import { LocalRunTreeItem, ServiceRunTreeItem } from './runTreeItems';

type RunItem = LocalRunTreeItem | ServiceRunTreeItem;

function runItem(item: unknown): RunItem {
  if (item instanceof LocalRunTreeItem || item instanceof ServiceRunTreeItem) return item;
  throw new Error('pick a run in the Runs view');
}

export async function cancelRun(local: LocalRuns, item: unknown): Promise<boolean> {
  const r = runItem(item);
  if (r instanceof LocalRunTreeItem) {
    if (!local.cancel(r.run.id)) throw new Error(`${r.run.pipeline} is not running in this window`);
    return true;
  }
  const { conn, resourceGroup, factory } = r.factoryItem;
  const client = await factoryServiceClient(conn);
  await client.pipelineRuns.cancel(resourceGroup, factory, r.run.runId!, { isRecursive: true });
  ext.log.info(`cancel requested for run ${r.run.runId} of ${r.run.pipelineName} (${factory})`);
  void vscode.window.showInformationMessage(`Cancelling ${r.run.pipelineName} (run ${r.run.runId}).`);
  return true;
}

/** Local: resolves when the new run has ended (its result); service: the new run's id. */
export async function rerun(_local: LocalRuns, item: unknown): Promise<LocalRunResult | string | undefined> {
  const r = runItem(item);
  if (r instanceof LocalRunTreeItem) {
    const masked = Object.values(r.run.parameters).includes(MASK);
    // secure values were not recorded: Run Pipeline Locally asks for every parameter then, the last values filled in
    return runPipelineLocally(vscode.Uri.file(r.run.pipelineFile), masked ? {} : { parameters: r.run.parameters });
  }
  const { conn, resourceGroup, factory } = r.factoryItem;
  const parameters: Record<string, unknown> = { ...(r.run.parameters ?? {}) };
  for (const [k, v] of Object.entries(parameters)) {
    if (v !== MASK) continue;
    const value = await vscode.window.showInputBox({ title: `Rerun ${r.run.pipelineName}`, prompt: `${k} is a secure parameter: the run does not show its value`, password: true, ignoreFocusOut: true });
    if (value === undefined) return undefined;
    parameters[k] = value;
  }
  const client = await factoryServiceClient(conn);
  const { runId } = await client.pipelines.createRun(resourceGroup, factory, r.run.pipelineName!, { parameters });
  ext.log.info(`rerun of ${r.run.pipelineName} (${factory}): run ${runId}, from run ${r.run.runId}`);
  void vscode.window.showInformationMessage(`${r.run.pipelineName} started again: run ${runId}.`);
  return runId;
}

export async function openRunLog(local: LocalRuns, item: unknown): Promise<vscode.TextEditor> {
  const r = runItem(item);
  if (r instanceof LocalRunTreeItem) {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(local.logFile(r.run.id)));
    return vscode.window.showTextDocument(doc, { preview: false });
  }
  const acts = await r.activityRuns();
  const log = {
    pipelineRun: { runId: r.run.runId, pipelineName: r.run.pipelineName, status: r.run.status, message: r.run.message, runStart: r.run.runStart, runEnd: r.run.runEnd, durationInMs: r.run.durationInMs, parameters: r.run.parameters },
    activityRuns: acts.map((a) => ({ activityName: a.activityName, activityType: a.activityType, activityRunId: a.activityRunId, status: a.status, activityRunStart: a.activityRunStart, activityRunEnd: a.activityRunEnd, durationInMs: a.durationInMs, input: a.input, output: a.output, error: a.error })),
  };
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(log, null, 2) });
  return vscode.window.showTextDocument(doc, { preview: false });
}
