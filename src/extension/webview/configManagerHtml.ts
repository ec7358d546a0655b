/** The Configuration Manager page shell: a strict CSP (scripts only with the per-load nonce), the bundled script, theme variables. */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export function configManagerHtml(webview: vscode.Webview, scriptUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Configuration Manager</title>
<style nonce="${nonce}">
  body { padding: 0 20px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
  h1 { font-weight: 400; font-size: 1.6em; margin: 16px 0 8px; }
  dl { display: grid; grid-template-columns: max-content auto; gap: 6px 18px; margin: 12px 0; }
  dt { color: var(--vscode-descriptionForeground); }
  dd { margin: 0; font-family: var(--vscode-editor-font-family); word-break: break-all; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 12px 0; }
  .ok { color: var(--vscode-testing-iconPassed); }
  .fail { color: var(--vscode-errorForeground); }
  .muted { color: var(--vscode-descriptionForeground); }
  section { padding: 8px 0; }
</style>
</head>
<body>
<h1>Data Management Gateway — Configuration Manager</h1>
<div id="app" class="muted">Loading…</div>
<script nonce="${nonce}" type="module" src="${scriptUri.toString()}"></script>
</body>
</html>`;
}
