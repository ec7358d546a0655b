/**
 * Show Pipeline Graph: a read-only picture of a pipeline's activities and dependencies (graphModel.ts, laid out and
 * drawn by graphSvg.ts), redrawn when the file changes, and lit up during a local run of that pipeline from the run's
 * events (runEvents.ts): the running activity is highlighted, finished ones show how they ended.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import * as vscode from 'vscode';
import { resourceFileOf } from '../../common/model/factoryRoots';
import { openFilePanel } from '../webview/filePanel';
import { ActivityStates } from './activityStates';
import type { GraphFromWebview, GraphToWebview } from './graphMessages';
import { pipelineGraph, type PipelineGraph } from './graphModel';
import { renderPipelineGraph } from './graphSvg';
import { localRunEvents } from './runEvents';

const CSS = `
  h1 { font-weight: 400; font-size: 1.4em; margin: 14px 0 4px; }
  .bar { display: flex; gap: 8px; align-items: center; margin: 6px 0 12px; }
  #graph { overflow: auto; }
  /* the whole pipeline in view: scaled down to the panel's width, never up */
  #graph svg { max-width: 100%; height: auto; }
  svg text { font-family: var(--vscode-font-family); font-size: 12px; fill: var(--vscode-foreground); }
  .group rect { fill: none; stroke: var(--vscode-editorWidget-border, #888); stroke-dasharray: 5 3; }
  .group.branch rect { stroke-dasharray: 2 3; }
  .group text { fill: var(--vscode-descriptionForeground); }
  .activity rect { fill: var(--vscode-editorWidget-background, #252526); stroke: var(--vscode-editorWidget-border, #888); stroke-width: 1; }
  .activity text.name { font-weight: 600; }
  .activity text.type { fill: var(--vscode-descriptionForeground); font-size: 11px; }
  .activity[data-state="running"] rect { stroke: var(--vscode-focusBorder, #0078d4); stroke-width: 3; fill: var(--vscode-editor-selectionBackground, #264f78); }
  .activity[data-state="Succeeded"] rect { stroke: var(--vscode-testing-iconPassed, #73c991); stroke-width: 2; }
  .activity[data-state="Failed"] rect { stroke: var(--vscode-testing-iconFailed, #f14c4c); stroke-width: 2; }
  .activity[data-state="Cancelled"] rect { stroke: var(--vscode-testing-iconSkipped, #888); stroke-width: 2; stroke-dasharray: 4 2; }
  .dependency path { fill: none; stroke-width: 1.5; }
  .dependency text { font-size: 10px; paint-order: stroke; stroke: var(--vscode-editor-background, #1e1e1e); stroke-width: 4px; stroke-linejoin: round; }
  .dependency.succeeded text { fill: var(--vscode-testing-iconPassed, #73c991); }
  .dependency.failed text { fill: var(--vscode-testing-iconFailed, #f14c4c); }
  .dependency.skipped text { fill: var(--vscode-disabledForeground, #888); }
  .dependency.completed text, .dependency.mixed text { fill: var(--vscode-textLink-foreground, #3794ff); }
  .succeeded path, .arrow.succeeded path { stroke: var(--vscode-testing-iconPassed, #73c991); fill: var(--vscode-testing-iconPassed, #73c991); }
  .failed path, .arrow.failed path { stroke: var(--vscode-testing-iconFailed, #f14c4c); fill: var(--vscode-testing-iconFailed, #f14c4c); }
  .skipped path, .arrow.skipped path { stroke: var(--vscode-disabledForeground, #888); fill: var(--vscode-disabledForeground, #888); }
  .completed path, .arrow.completed path, .mixed path, .arrow.mixed path { stroke: var(--vscode-textLink-foreground, #3794ff); fill: var(--vscode-textLink-foreground, #3794ff); }
  .dependency path { fill: none !important; }
  #problems li { color: var(--vscode-editorWarning-foreground); }
`;

export class PipelineGraphPanel implements vscode.Disposable {
  static readonly panels = new Map<string, PipelineGraphPanel>();
  /** what the page shows, for the tests that drive the panel */
  graph: PipelineGraph | undefined;
  svg = '';
  readonly states = new ActivityStates();
  private readonly subs: vscode.Disposable[] = [];
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  static show(uri: vscode.Uri): PipelineGraphPanel {
    let p = PipelineGraphPanel.panels.get(uri.fsPath);
    if (p) p.panel.reveal();
    else {
      p = new PipelineGraphPanel(openFilePanel(uri, { viewType: 'dmgw.pipelineGraph', prefix: 'Graph', script: 'pipelineGraph', title: 'Pipeline Graph', css: CSS, icon: 'type-hierarchy' }), uri);
      PipelineGraphPanel.panels.set(uri.fsPath, p);
    }
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
  ) {
    this.ready = new Promise((r) => (this.markReady = r));
    const mine = (d: vscode.TextDocument) => d.uri.fsPath === uri.fsPath;
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: GraphFromWebview) => {
        if (m.type === 'ready') this.markReady();
        else if (m.type === 'run') void vscode.commands.executeCommand('dmgw.runPipelineLocally', this.uri);
        else if (m.type === 'openFile') void vscode.window.showTextDocument(this.uri);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => mine(e.document) && this.draw(e.document.getText())),
      vscode.workspace.onDidSaveTextDocument((d) => mine(d) && this.draw(d.getText())),
      localRunEvents.event((e) => {
        const file = resourceFileOf(uri.fsPath);
        if (!file || file.factoryDir !== e.factoryDir || e.pipeline.toLowerCase() !== (this.graph?.pipeline || file.stem).toLowerCase()) return;
        if (this.states.apply(e.event)) this.post({ type: 'states', states: this.states.toJSON(), run: this.states.run });
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    const open = vscode.workspace.textDocuments.find(mine);
    let text: string | undefined = open?.getText();
    if (text === undefined) {
      try {
        text = readFileSync(uri.fsPath, 'utf8');
      } catch (e) {
        this.post({ type: 'error', message: `${uri.fsPath} cannot be read: ${(e as Error).message}` });
        return;
      }
    }
    this.draw(text);
  }

  private post(m: GraphToWebview): void {
    void this.ready.then(() => this.panel.webview.postMessage(m));
  }

  /** Draws the pipeline in `text`; a file that does not parse keeps the last picture and says why. */
  draw(text: string): void {
    const errors: ParseError[] = [];
    const json: unknown = parse(text, errors, { allowTrailingComma: true });
    if (errors.length || !json || typeof json !== 'object') {
      this.post({ type: 'error', message: `${basename(this.uri.fsPath)} is not valid JSON yet: the graph shows it once it parses` });
      return;
    }
    this.graph = pipelineGraph(json);
    if (!this.graph.pipeline) this.graph.pipeline = basename(this.uri.fsPath, '.json');
    this.svg = renderPipelineGraph(this.graph).svg;
    this.post({ type: 'graph', pipeline: this.graph.pipeline, svg: this.svg, problems: this.graph.problems, activities: this.graph.nodes.filter((n) => n.type !== 'branch').length });
    if (this.states.states.size) this.post({ type: 'states', states: this.states.toJSON(), run: this.states.run });
  }

  dispose(): void {
    PipelineGraphPanel.panels.delete(this.uri.fsPath);
    for (const s of this.subs) s.dispose();
    this.panel.dispose();
  }
}
