/** The Configuration Manager page: the shared webview shell (pageHtml.ts) with its heading and styles. */
import type * as vscode from 'vscode';
import { pageHtml } from './pageHtml';

const CSS = `
  body { padding: 0 20px; }
  h1 { font-weight: 400; font-size: 1.6em; margin: 16px 0 8px; }
  dl { display: grid; grid-template-columns: max-content auto; gap: 6px 18px; margin: 12px 0; }
  dt { color: var(--vscode-descriptionForeground); }
  dd { margin: 0; font-family: var(--vscode-editor-font-family); word-break: break-all; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 12px 0; }
  .ok { color: var(--vscode-testing-iconPassed); }
  section { padding: 8px 0; }`;

export function configManagerHtml(webview: vscode.Webview, scriptUri: vscode.Uri): string {
  return pageHtml(webview, scriptUri, 'Configuration Manager', CSS, 'Data Management Gateway — Configuration Manager');
}
