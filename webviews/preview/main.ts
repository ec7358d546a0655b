/**
 * The Preview Data page (browser side): a dataset's first rows in a @vscode-elements table, each column headed by its
 * name and type. It shows only what the extension sends (the agent's answer).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import { h } from '../dom';
import type { PreviewFromWebview, PreviewToWebview, PreviewView } from '../../src/extension/preview/previewMessages';

declare function acquireVsCodeApi(): { postMessage(m: PreviewFromWebview): void };
const vscode = acquireVsCodeApi();
const send = (m: PreviewFromWebview): void => vscode.postMessage(m);


const app = document.getElementById('app')!;
const bar = (busy: boolean) => h('div', { class: 'bar' }, h('vscode-button', { id: 'refresh', disabled: busy, click: () => send({ type: 'refresh' }) }, 'Refresh'), h('vscode-button', { id: 'open-file', secondary: true, click: () => send({ type: 'openFile' }) }, 'Open Dataset'));

function grid(r: PreviewView): HTMLElement {
  const header = h('vscode-table-header', { slot: 'header' }, ...r.columns.map((c) => h('vscode-table-header-cell', { 'data-column': c.name }, c.name, h('span', { class: 'type' }, c.nativeType ? `${c.nativeType} · ${c.type}` : c.type))));
  const body = h('vscode-table-body', { slot: 'body' }, ...r.rows.map((row) => h('vscode-table-row', {}, ...row.map((v) => h('vscode-table-cell', {}, v === null ? h('span', { class: 'null' }, 'NULL') : v)))));
  return h('vscode-table', { id: 'grid', zebra: true, 'bordered-columns': true, resizable: true, 'min-column-width': '60' }, header, body);
}

function render(m: PreviewToWebview): void {
  app.className = '';
  if (m.type === 'loading') {
    app.replaceChildren(h('h1', {}, m.dataset), bar(true), h('p', { class: 'muted', id: 'status' }, 'Reading the first rows through the gateway…'));
  } else if (m.type === 'error') {
    app.replaceChildren(h('h1', {}, m.dataset), bar(false), h('p', { class: 'fail', id: 'error' }, m.message));
  } else {
    const r = m.result;
    const rows = `${r.rows.length} row${r.rows.length === 1 ? '' : 's'}`;
    const count = `${r.truncated ? `first ${rows} (there are more)` : rows} · ${r.columns.length} column${r.columns.length === 1 ? '' : 's'}`;
    app.replaceChildren(
      h('h1', {}, r.dataset),
      h('p', { class: 'muted', id: 'status' }, `${r.datasetType} · ${r.linkedService} (${r.linkedServiceType}) · ${r.source} · ${count}`),
      bar(false),
      r.columns.length ? grid(r) : h('p', { class: 'muted' }, 'No columns.'),
    );
  }
}

window.addEventListener('message', (e: MessageEvent<PreviewToWebview>) => render(e.data));
send({ type: 'ready' });
