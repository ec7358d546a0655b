/**
 * The Pipeline Graph page (browser side): places the SVG the extension drew (every name in it escaped there) and,
 * during a local run, marks each activity box with its state (`data-state`: running, Succeeded, Failed, Cancelled).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ActivityState, GraphFromWebview, GraphToWebview } from '../../src/extension/graph/graphMessages';

declare function acquireVsCodeApi(): { postMessage(m: GraphFromWebview): void };
const vscode = acquireVsCodeApi();
const send = (m: GraphFromWebview): void => vscode.postMessage(m);
const app = document.getElementById('app')!;

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

let states: Record<string, ActivityState> = {};

function paint(): void {
  for (const g of document.querySelectorAll<SVGGElement>('g.activity')) {
    const s = states[g.dataset.activity ?? ''];
    if (s) g.setAttribute('data-state', s);
    else g.removeAttribute('data-state');
  }
  const running = Object.entries(states).filter(([, s]) => s === 'running').map(([a]) => a);
  const status = document.getElementById('run-status');
  if (status) status.textContent = running.length ? `running: ${running.join(', ')}` : '';
}

window.addEventListener('message', (e: MessageEvent<GraphToWebview>) => {
  const m = e.data;
  if (m.type === 'graph') {
    app.className = '';
    const run = el('vscode-button', { id: 'run' }, 'Run Locally');
    run.addEventListener('click', () => send({ type: 'run' }));
    const open = el('vscode-button', { id: 'open-file', secondary: '' }, 'Open Pipeline');
    open.addEventListener('click', () => send({ type: 'openFile' }));
    const bar = el('div', { class: 'bar' });
    bar.append(run, open, el('span', { class: 'muted', id: 'run-status' }));
    const graph = el('div', { id: 'graph' });
    // the extension built this SVG from the pipeline with every name escaped (graphSvg.ts); the CSP runs no inline script
    graph.innerHTML = m.svg;
    const children: HTMLElement[] = [el('h1', {}, m.pipeline), el('p', { class: 'muted' }, `${m.activities} activit${m.activities === 1 ? 'y' : 'ies'}`), bar, graph];
    if (m.problems.length) {
      const ul = el('ul', { id: 'problems' });
      for (const p of m.problems) ul.append(el('li', {}, p));
      children.push(ul);
    }
    app.replaceChildren(...children);
    paint();
  } else if (m.type === 'states') {
    states = m.states;
    paint();
  } else {
    const p = document.getElementById('graph-error') ?? el('p', { id: 'graph-error', class: 'fail' });
    p.textContent = m.message;
    if (!p.isConnected) app.prepend(p);
  }
});
send({ type: 'ready' });
