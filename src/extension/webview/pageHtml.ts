/** The shell of a webview page: a strict CSP (scripts only with the per-load nonce), one bundled script, page styles. */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export function pageHtml(webview: vscode.Webview, scriptUri: vscode.Uri, title: string, css: string, heading?: string): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(title)}</title>
<style nonce="${nonce}">
  body { padding: 0 16px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
  .muted { color: var(--vscode-descriptionForeground); }
  .fail { color: var(--vscode-errorForeground); }
${css}
</style>
</head>
<body>
${heading ? `<h1>${esc(heading)}</h1>\n` : ''}<div id="app" class="muted">Loading…</div>
<script nonce="${nonce}" type="module" src="${scriptUri.toString()}"></script>
</body>
</html>`;
}
