/**
 * Preview Data: a dataset's first rows in a grid, read by the bundled agent on this machine (`dmgw preview FILE
 * --rows 100 --json`), so what it shows is what a run would read — the credential decrypted with this gateway's
 * certificate and bound to its server, files only inside the folders the gateway allows. One panel per dataset file.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { firstLine } from '../agent/agentClient';
import { ext } from '../extensionVariables';
import { openFilePanel } from '../webview/filePanel';
import type { PreviewFromWebview, PreviewToWebview, PreviewView } from './previewMessages';

export const PREVIEW_ROWS = 100;

const CSS = `
  h1 { font-weight: 400; font-size: 1.4em; margin: 14px 0 4px; }
  .bar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0 12px; }
  vscode-table-header-cell .type { display: block; font-weight: 400; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
  vscode-table-cell { font-family: var(--vscode-editor-font-family); }
  .null { color: var(--vscode-descriptionForeground); font-style: italic; }
  #error { white-space: pre-wrap; font-family: var(--vscode-editor-font-family); }
`;

export class PreviewPanel implements vscode.Disposable {
  static readonly panels = new Map<string, PreviewPanel>();
  /** the last answer, for the tests that drive the panel */
  lastResult: PreviewView | undefined;
  lastError: string | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private ready: Promise<void>;
  private markReady!: () => void;

  static async show(uri: vscode.Uri): Promise<PreviewPanel> {
    let p = PreviewPanel.panels.get(uri.fsPath);
    if (p) p.panel.reveal();
    else {
      p = new PreviewPanel(openFilePanel(uri, { viewType: 'dmgw.previewData', prefix: 'Preview', script: 'preview', title: 'Preview Data', css: CSS, icon: 'table' }), uri);
      PreviewPanel.panels.set(uri.fsPath, p);
    }
    await p.load();
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
  ) {
    this.ready = new Promise((r) => (this.markReady = r));
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: PreviewFromWebview) => {
        if (m.type === 'ready') this.markReady();
        else if (m.type === 'refresh') void this.load();
        else if (m.type === 'openFile') void vscode.window.showTextDocument(this.uri);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(m: PreviewToWebview): void {
    // the page may still be loading: it asks for nothing, so say it once it is there
    void this.ready.then(() => this.panel.webview.postMessage(m));
  }

  /** Asks the agent for the first rows and shows them (or its message). */
  async load(): Promise<PreviewView | undefined> {
    const dataset = basename(this.uri.fsPath, '.json');
    const document = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === this.uri.fsPath);
    if (document?.isDirty) await document.save();
    this.post({ type: 'loading', dataset });
    const r = await ext.agent.exec(['preview', this.uri.fsPath, '--rows', String(PREVIEW_ROWS), '--json'], { timeoutMs: 120_000 });
    if (r.code === 0) {
      try {
        this.lastResult = JSON.parse(r.stdout) as PreviewView;
        this.lastError = undefined;
        this.post({ type: 'result', result: this.lastResult });
        return this.lastResult;
      } catch {
        r.stderr = `the agent did not print JSON: ${firstLine(r.stdout)}`;
      }
    }
    // the agent's own line, without its "dmgw preview: " prefix (it is redacted there)
    const message = (r.stderr.trim() || `dmgw preview exited with ${r.code}`).replace(/^dmgw preview: /, '');
    this.lastResult = undefined;
    this.lastError = message;
    ext.log.warn(`Preview Data ${dataset}: ${message}`);
    this.post({ type: 'error', dataset, message });
    void vscode.window.showErrorMessage(`Preview Data ${dataset}: ${firstLine(message)}`, 'Open Dataset').then((c) => c && vscode.window.showTextDocument(this.uri));
    return undefined;
  }

  dispose(): void {
    PreviewPanel.panels.delete(this.uri.fsPath);
    for (const s of this.subs) s.dispose();
    this.panel.dispose();
  }
}
