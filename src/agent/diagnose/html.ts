/** The health report as one self-contained HTML page (no script, no outside resource; every value escaped). */
import type { CheckStatus, HealthReport } from './check.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLOUR: Record<CheckStatus, string> = { ok: '#1a7f37', warn: '#9a6700', fail: '#cf222e', skip: '#6e7781' };

export function healthReportHtml(r: HealthReport): string {
  const groups = [...new Set(r.checks.map((c) => c.group))];
  const rows = groups
    .map((g) => {
      const checks = r.checks.filter((c) => c.group === g);
      return `<h2>${esc(g)}</h2>\n<table>\n${checks
        .map(
          (c) =>
            `<tr class="${c.status}" id="${esc(c.id)}"><td class="status" style="color:${COLOUR[c.status]}">${c.status.toUpperCase()}</td><td><b>${esc(c.title)}</b><div class="detail">${esc(c.detail)}</div>${c.fix ? `<div class="fix">Fix: ${esc(c.fix)}</div>` : ''}</td></tr>`,
        )
        .join('\n')}\n</table>`;
    })
    .join('\n');
  const s = r.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Gateway health report ${esc(r.node ?? r.home)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}td{border-top:1px solid #d0d7de;padding:.4em;vertical-align:top}.status{font-weight:bold;width:4em}.detail{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}.fix{margin-top:.3em}</style>
</head><body>
<h1>Gateway health report</h1>
<p>${esc(r.node ? `node ${r.node} of gateway ${r.gateway ?? '?'}` : 'not registered')} — home ${esc(r.home)} — agent ${esc(r.agentVersion)} — ${esc(r.createdAt)}</p>
<p><b style="color:${COLOUR.fail}">${s.fail} failed</b>, <b style="color:${COLOUR.warn}">${s.warn} warnings</b>, ${s.ok} ok, ${s.skip} skipped</p>
${rows}
</body></html>
`;
}
