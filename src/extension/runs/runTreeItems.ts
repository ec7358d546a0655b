/**
 * The Runs view's nodes: local runs (runs/localRuns.ts) and the runs of a factory service's or an Azure
 * subscription's factories (`pipelineRuns.queryByFactory`, newest first), each expandable to its activity runs
 * (`activityRuns.queryByPipelineRun`, or the local run's events) with status, rows, bytes, duration and error.
 */
import type { ActivityRun, PipelineRun } from '@azure/arm-datafactory';
import * as vscode from 'vscode';
import { formatBytes, formatDuration, type ActivitySummary } from '../../common/runEventStream';
import { listSubscriptions } from '../../agent/management/subscriptions';
import type { AzureAccount } from '../azure/azureAccount';
import { connectionKey, factoryServiceClient, resourceGroupOf, type FactoryServiceConnection } from '../service/factoryServiceClient';
import { DetailTreeItem } from '../tree/DetailTreeItem';
import type { LocalRuns, LocalRunView } from './localRuns';

/** How far back the view looks for a factory's runs, and how many it lists. */
export const RUNS_DAYS = 7;
export const RUNS_LISTED = 50;
const IN_PROGRESS = new Set(['Queued', 'InProgress', 'Canceling']);

/** Told by a node whose runs are still going, so the view refreshes itself while they do. */
export interface RunsWatch {
  sawInProgress(): void;
}

type Parent = vscode.TreeItem & { getChildren(): vscode.TreeItem[] | Promise<vscode.TreeItem[]> };

export function statusIcon(status: string | undefined): vscode.ThemeIcon {
  switch (status) {
    case 'Succeeded':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'Failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'Cancelled':
      return new vscode.ThemeIcon('circle-slash');
    case 'Queued':
      return new vscode.ThemeIcon('clock');
    default:
      return new vscode.ThemeIcon('sync~spin');
  }
}

/** "1,000 rows · 2.0 MiB read · 2.0 MiB written" from an activity's output (Copy, Lookup, ...). */
export function outputFacts(output: unknown): string[] {
  const o = (output ?? {}) as Record<string, unknown>;
  const facts: string[] = [];
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const rows = n(o.rowsCopied) ?? n(o.rowsWritten) ?? n(o.count);
  if (rows !== undefined) facts.push(`${rows.toLocaleString('en-US')} rows`);
  if (n(o.dataRead) !== undefined) facts.push(`${formatBytes(n(o.dataRead)!)} read`);
  if (n(o.dataWritten) !== undefined) facts.push(`${formatBytes(n(o.dataWritten)!)} written`);
  return facts;
}

const when = (iso: string | Date | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB', { hour12: false }) : '');

/** One activity run: status · rows · bytes · duration; its error as a child. */
export class ActivityRunTreeItem extends vscode.TreeItem {
  constructor(
    readonly parentId: string,
    readonly name: string,
    readonly status: string,
    readonly output: unknown,
    readonly durationMs: number | undefined,
    readonly error: string | undefined,
  ) {
    super(name, error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = `${parentId}/activity:${name}`;
    this.description = [status, ...outputFacts(output), ...(durationMs !== undefined ? [formatDuration(durationMs)] : [])].join(' · ');
    this.tooltip = new vscode.MarkdownString(`**${name}**: ${this.description}${error ? `\n\n${error}` : ''}`);
    this.iconPath = statusIcon(status);
    this.contextValue = 'dmgwActivityRun';
  }

  getChildren(): vscode.TreeItem[] {
    return this.error ? [new DetailTreeItem('Error', this.error, 'warning')] : [];
  }
}

export class LocalRunsTreeItem extends vscode.TreeItem {
  constructor(
    readonly runs: LocalRuns,
    readonly watch: RunsWatch,
  ) {
    super('Local runs', vscode.TreeItemCollapsibleState.Expanded);
    this.id = 'dmgw.runs.local';
    this.description = 'Run Pipeline Locally in this workspace';
    this.iconPath = new vscode.ThemeIcon('vm');
    this.contextValue = 'dmgwLocalRuns';
  }

  getChildren(): vscode.TreeItem[] {
    const runs = this.runs.list();
    if (runs.some((r) => this.runs.running(r.id))) this.watch.sawInProgress();
    return runs.length ? runs.map((r) => new LocalRunTreeItem(r, this.runs.running(r.id))) : [new DetailTreeItem('No local runs yet', 'Run Pipeline Locally lists them here', 'info')];
  }
}

export class LocalRunTreeItem extends vscode.TreeItem {
  constructor(
    readonly run: LocalRunView,
    readonly live: boolean,
  ) {
    super(run.pipeline, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `dmgw.runs.local/${run.id}`;
    const status = run.orphaned ? 'ended unseen' : run.status;
    const rows = run.summary.rowsCopied;
    this.description = [status, when(run.startedAt), ...(run.durationMs !== undefined ? [formatDuration(run.durationMs)] : []), ...(rows ? [`${rows.toLocaleString('en-US')} rows`] : [])].join(' · ');
    this.tooltip = new vscode.MarkdownString(`**${run.pipeline}** (local run${run.runId ? ` ${run.runId}` : ''})\n\n${run.factoryDir}\n\n${status}${run.error ? `: ${run.error}` : ''}`);
    this.iconPath = run.orphaned ? new vscode.ThemeIcon('question') : statusIcon(run.status);
    this.contextValue = `dmgwRun local${live ? ' running' : ''}`;
  }

  getChildren(): vscode.TreeItem[] {
    const acts = this.run.summary.activities.map((a: ActivitySummary, i) => new ActivityRunTreeItem(`${this.id}/${i}`, a.activity, a.status, a.output, a.durationMs, a.error ? `${a.error.message}${a.error.hint ? ` (${a.error.hint})` : ''}` : undefined));
    const p = this.run.summary.lastProgress;
    if (this.live && p) acts.push(new ActivityRunTreeItem(this.id!, p.activity, 'InProgress', { rowsWritten: p.rowsWritten }, undefined, undefined));
    if (this.run.error && !this.run.summary.activities.some((a) => a.error)) return [...acts, new DetailTreeItem('Error', this.run.error, 'warning')];
    return acts.length ? acts : [new DetailTreeItem(this.live ? 'Starting…' : 'No activity ran', '', 'info')];
  }
}

/** The factories of a factory service (or of one Azure subscription), each with its runs. */
export class ServiceRunsTreeItem extends vscode.TreeItem {
  constructor(
    readonly conn: FactoryServiceConnection,
    label: string,
    readonly watch: RunsWatch,
    expanded = true,
  ) {
    super(label, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `dmgw.runs.service:${connectionKey(conn)}`;
    this.description = conn.credential ? conn.subscription : conn.url;
    this.iconPath = new vscode.ThemeIcon(conn.credential ? 'symbol-namespace' : 'cloud');
    this.contextValue = 'dmgwRunsService';
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const client = await factoryServiceClient(this.conn);
      const out: vscode.TreeItem[] = [];
      for await (const f of client.factories.list()) out.push(new FactoryRunsTreeItem(this.conn, resourceGroupOf(f.id), f.name!, this.watch));
      return out.length ? out : [new DetailTreeItem('No factories', '', 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list factories', (e as Error).message, 'error')];
    }
  }
}

/** Azure: the signed-in account's subscriptions, each with its factories' runs. */
export class AzureRunsTreeItem extends vscode.TreeItem {
  constructor(
    readonly account: AzureAccount,
    readonly endpoint: string,
    readonly watch: RunsWatch,
  ) {
    super('Azure', vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `dmgw.runs.azure:${endpoint}`;
    this.description = account.session?.account.label;
    this.iconPath = new vscode.ThemeIcon('azure');
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const credential = this.account.credential();
      const client = await factoryServiceClient({ url: this.endpoint, subscription: '00000000-0000-0000-0000-000000000000', credential });
      const subs = await listSubscriptions(client, this.endpoint);
      return subs.map((s) => new ServiceRunsTreeItem({ url: this.endpoint, subscription: s.subscriptionId, credential }, s.displayName, this.watch, subs.length === 1));
    } catch (e) {
      return [new DetailTreeItem('Cannot list subscriptions', (e as Error).message, 'error')];
    }
  }
}

export class FactoryRunsTreeItem extends vscode.TreeItem {
  constructor(
    readonly conn: FactoryServiceConnection,
    readonly resourceGroup: string,
    readonly factory: string,
    readonly watch: RunsWatch,
  ) {
    super(factory, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `dmgw.runs.factory:${connectionKey(conn)}:${resourceGroup}:${factory}`;
    this.description = `runs of the last ${RUNS_DAYS} days`;
    this.iconPath = new vscode.ThemeIcon('database');
    this.contextValue = 'dmgwRunsFactory';
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const client = await factoryServiceClient(this.conn);
      const now = Date.now();
      const runs: PipelineRun[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await client.pipelineRuns.queryByFactory(this.resourceGroup, this.factory, { lastUpdatedAfter: new Date(now - RUNS_DAYS * 86_400_000), lastUpdatedBefore: new Date(now + 60_000), orderBy: [{ orderBy: 'RunStart', order: 'DESC' }], continuationToken });
        runs.push(...page.value);
        continuationToken = page.continuationToken;
      } while (continuationToken && runs.length < RUNS_LISTED);
      runs.sort((a, b) => (b.runStart?.getTime() ?? 0) - (a.runStart?.getTime() ?? 0));
      if (runs.some((r) => IN_PROGRESS.has(r.status ?? ''))) this.watch.sawInProgress();
      return runs.length ? runs.slice(0, RUNS_LISTED).map((r) => new ServiceRunTreeItem(this, r, this.watch)) : [new DetailTreeItem('No runs', `in the last ${RUNS_DAYS} days`, 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list runs', (e as Error).message, 'error')];
    }
  }
}

export class ServiceRunTreeItem extends vscode.TreeItem {
  constructor(
    readonly factoryItem: FactoryRunsTreeItem,
    readonly run: PipelineRun,
    readonly watch: RunsWatch,
  ) {
    super(run.pipelineName ?? run.runId!, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `${factoryItem.id}/run:${run.runId}`;
    this.description = [run.status, when(run.runStart), ...(run.durationInMs !== undefined ? [formatDuration(run.durationInMs)] : [])].join(' · ');
    this.tooltip = new vscode.MarkdownString(`**${run.pipelineName}** run ${run.runId}\n\n${run.status}${run.message ? `: ${run.message}` : ''}`);
    this.iconPath = statusIcon(run.status);
    this.contextValue = `dmgwRun service${IN_PROGRESS.has(run.status ?? '') ? ' running' : ''}`;
  }

  async activityRuns(): Promise<ActivityRun[]> {
    const { conn, resourceGroup, factory } = this.factoryItem;
    const client = await factoryServiceClient(conn);
    const start = this.run.runStart?.getTime() ?? Date.now();
    const all: ActivityRun[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await client.activityRuns.queryByPipelineRun(resourceGroup, factory, this.run.runId!, { lastUpdatedAfter: new Date(start - 86_400_000), lastUpdatedBefore: new Date(Date.now() + 60_000), continuationToken });
      all.push(...page.value);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return all.sort((a, b) => (a.activityRunStart?.getTime() ?? 0) - (b.activityRunStart?.getTime() ?? 0));
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const acts = await this.activityRuns();
      if (acts.some((a) => IN_PROGRESS.has(a.status ?? ''))) this.watch.sawInProgress();
      const items: vscode.TreeItem[] = acts.map((a) => new ActivityRunTreeItem(`${this.id}/${a.activityRunId}`, a.activityName ?? a.activityRunId!, a.status ?? '', a.output, a.durationInMs, errorOf(a.error)));
      if (this.run.status === 'Failed' && this.run.message && !acts.some((a) => errorOf(a.error))) items.push(new DetailTreeItem('Error', this.run.message, 'warning'));
      return items.length ? items : [new DetailTreeItem('No activity runs yet', this.run.status ?? '', 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list activity runs', (e as Error).message, 'error')];
    }
  }
}

function errorOf(error: unknown): string | undefined {
  const m = (error as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' && m ? m : undefined;
}

export type { Parent };
