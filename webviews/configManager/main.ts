/**
 * The Configuration Manager page (browser side). It renders only what the extension sends (the agent's own state)
 * and sends back what the user asked for; it keeps no state of its own beyond the selected tab.
 * Built on @vscode-elements/elements, which follow the editor's theme through its CSS variables.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import { h } from '../dom';
import type { AgentSetting, ConfigManagerState, Diagnosis, FromWebview, TestConnectionResult, ToWebview } from '../../src/common/configManagerMessages';

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const send = (m: FromWebview): void => vscode.postMessage(m);

let state: ConfigManagerState | undefined;
let testResult: TestConnectionResult | undefined;
let diagnosis: Diagnosis | undefined;
let busy: string | undefined;
let selectedTab = Number((vscode.getState() as { tab?: number } | undefined)?.tab ?? 0);
/** The linked service picked for Test connection (factory folder and name), kept across redraws. */
let pickedLinkedService = (vscode.getState() as { linkedService?: string } | undefined)?.linkedService;
const saveState = (): void => vscode.setState({ tab: selectedTab, linkedService: pickedLinkedService });


const button = (label: string, id: string, msg: FromWebview, secondary = false, disabled = false): HTMLElement =>
  h('vscode-button', { id, secondary, disabled: disabled || !!busy, click: () => send(msg) }, label);

function facts(rows: Array<[string, string | undefined]>): HTMLElement {
  return h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v ?? '—')]));
}

const NOT_REPORTED = 'not reported by the agent';

/** A setting of `dmgw config list`, as the agent reports it: its value, "(default)", or why it is unknown. */
function setting(s: ConfigManagerState, key: string): AgentSetting | undefined {
  return s.settings.list.find((r) => r.key === key);
}
function settingText(s: ConfigManagerState, key: string): string {
  const r = setting(s, key);
  if (!r) return s.settings.error ? `${NOT_REPORTED} (${s.settings.error})` : NOT_REPORTED;
  return `${r.value === null ? 'off' : String(r.value)}${r.set ? '' : ' (default)'}`;
}

/** Whatever the agent reports about updates in `dmgw status --json` (`update: {...}`), field by field, unrenamed. */
function updateFacts(g: Record<string, unknown> | undefined): Array<[string, string | undefined]> {
  const u = g?.update;
  if (!u || typeof u !== 'object') return [['Last update', NOT_REPORTED]];
  return Object.entries(u as Record<string, unknown>).filter(([, v]) => v === null || typeof v !== 'object').map(([k, v]) => [`Update: ${k}`, v === null ? 'none' : String(v)]);
}

function home(s: ConfigManagerState): HTMLElement {
  const g = s.gateway.status;
  const status = g?.status ?? 'Unknown';
  const running = (g?.host as { running?: boolean } | undefined)?.running === true;
  return h(
    'section',
    {},
    h('div', { class: 'row' }, h('span', {}, 'Status'), h('vscode-badge', { id: 'gateway-status', variant: status === 'Online' ? 'counter' : 'default' }, status)),
    g ? undefined : h('p', { class: 'fail', id: 'gateway-error' }, `The agent did not report a status: ${s.gateway.error ?? 'unknown reason'}`),
    facts([
      ['Gateway', str(g?.gateway)],
      ['Node', str(g?.node)],
      // the registration names the factory by its ARM id; its last segment is the factory's name
      ['Factory', [str(g?.factory)?.split('/').pop(), str(g?.serviceUrl)].filter(Boolean).join(' @ ') || undefined],
      ['Agent version', str(g?.version)],
      ['Host', running ? `running (pid ${str((g?.host as { pid?: number } | undefined)?.pid) ?? '?'})` : 'not running'],
      ['Message', str(g?.message)],
      ['Last contact', str(g?.lastContactAt)],
      ['Running jobs', Array.isArray(g?.runningJobs) ? String(g.runningJobs.length) : undefined],
      ['Update schedule', settingText(s, 'update.schedule')],
      ...updateFacts(g),
      ['Checked', new Date(s.gateway.checkedAt).toLocaleString()],
    ]),
    h(
      'div',
      { class: 'row' },
      button('Register…', 'register', { type: 'register' }, status !== 'NeedRegistration'),
      running ? button('Stop', 'stop', { type: 'stop' }) : button('Start', 'start', { type: 'start' }, false, status === 'NeedRegistration'),
      button('Refresh', 'refresh', { type: 'refresh' }, true),
    ),
  );
}

function settings(s: ConfigManagerState): HTMLElement {
  const g = s.gateway.status;
  const current = s.certificates.list.find((c) => c.current);
  const endpoint = g?.credentialEndpoint as { enabled?: boolean; host?: string; port?: number; listening?: boolean; thumbprint?: string; tlsThumbprint?: string; message?: string } | undefined;
  const proxy = s.proxy.report;
  return h(
    'section',
    {},
    h('h3', {}, 'Certificate'),
    current
      ? facts([
          ['Thumbprint (SHA-256)', current.thumbprint],
          ['Subject', current.subject],
          ['Valid', `${current.notBefore.slice(0, 10)} to ${current.notAfter.slice(0, 10)}`],
          ['Key', `RSA ${current.keyBits} bits`],
          ['Previous certificates', String(s.certificates.list.length - 1)],
          ['Gateway home', s.certificates.home],
        ])
      : h('p', { id: 'no-certificate' }, s.certificates.error ? `The agent could not list certificates: ${s.certificates.error}` : 'This gateway has no certificate yet: registering makes one, or import the PFX of an existing gateway.'),
    h(
      'div',
      { class: 'row' },
      button('Import PFX…', 'cert-import', { type: 'importCertificate' }),
      button('Export PFX…', 'cert-export', { type: 'exportCertificate' }, true, !current),
      button('New certificate…', 'cert-new', { type: 'newCertificate' }, true),
    ),
    h('vscode-divider'),
    h('h3', {}, 'Credential endpoint'),
    endpoint
      ? facts([
          ['Enabled', endpoint.enabled ? 'yes' : 'no'],
          ['Address', endpoint.port !== undefined ? `https://${endpoint.host ?? '?'}:${endpoint.port}` : undefined],
          ['Listening', endpoint.listening ? 'yes' : endpoint.enabled ? `no${(g?.host as { running?: boolean } | undefined)?.running ? ' (restart the host to apply the setting)' : ' (the host is not running)'}` : 'no'],
          ['TLS thumbprint (clients pin this)', endpoint.tlsThumbprint],
          ['Encrypts for certificate', endpoint.thumbprint],
          ['Message', endpoint.message],
        ])
      : h('p', { id: 'no-credential-endpoint' }, `Credential endpoint: ${NOT_REPORTED}.`),
    h(
      'div',
      { class: 'row' },
      endpoint?.enabled ? button('Disable', 'endpoint-disable', { type: 'disableCredentialEndpoint' }, true) : button('Enable…', 'endpoint-enable', { type: 'enableCredentialEndpoint' }, false, !endpoint),
      button('Rotate token…', 'endpoint-rotate', { type: 'rotateCredentialEndpointToken' }, true, !endpoint),
    ),
    h('vscode-divider'),
    h('h3', {}, 'Updates'),
    facts([['Update schedule', settingText(s, 'update.schedule')], ...updateFacts(g)]),
    h('div', { class: 'row' }, button('Change schedule…', 'update-schedule', { type: 'setUpdateSchedule' }, true, !setting(s, 'update.schedule'))),
    h('vscode-divider'),
    h('h3', {}, 'Proxy'),
    proxy
      ? facts([
          ['Proxy', proxy.effective ? `${proxy.effective.url} (from ${proxy.effective.source})` : 'none: the node connects directly'],
          ['Proxy user', proxy.effective?.username ?? 'none'],
          ['Proxy password', proxy.effective ? (proxy.effective.hasPassword ? 'set (kept encrypted)' : 'none') : undefined],
          ['Not for (NO_PROXY and the stored list)', proxy.effective?.noProxy ? proxy.effective.noProxy.join(', ') || 'none' : undefined],
          ['Stored in the gateway home', proxy.stored ? `${proxy.stored.url}${proxy.stored.passwordSealedFor ? `, password sealed for certificate ${proxy.stored.passwordSealedFor.slice(0, 12)}…` : ''}` : 'nothing'],
        ])
      : h('p', { id: 'no-proxy-report' }, `Proxy: ${NOT_REPORTED} (${s.proxy.error ?? 'unknown reason'}); it cannot be changed from here.`),
    h('div', { class: 'row' }, button('Set proxy…', 'proxy-set', { type: 'setProxy' }, true, !proxy), button('Clear', 'proxy-clear', { type: 'clearProxy' }, true, !proxy?.stored)),
  );
}

function diagnostics(s: ConfigManagerState): HTMLElement {
  const keyOf = (l: { factoryDir: string; name: string }): string => `${l.factoryDir}\n${l.name}`;
  const picked = Math.max(0, s.linkedServices.findIndex((l) => keyOf(l) === pickedLinkedService));
  const select = h('vscode-single-select', { id: 'linked-service' }, ...s.linkedServices.map((l, i) => h('vscode-option', { value: String(i), selected: i === picked, description: `${l.type}${l.gateway ? ` via ${l.gateway}` : ''}` }, l.name))) as HTMLElement & { value: string };
  // a redraw (every status refresh) builds the select anew: it must open on what the user picked, not the first
  select.addEventListener('change', () => {
    const l = s.linkedServices[Number(select.value || 0)];
    pickedLinkedService = l ? keyOf(l) : undefined;
    saveState();
  });
  const verbose = h('vscode-checkbox', { id: 'verbose', label: 'Verbose logging', checked: s.verboseLogging }) as HTMLElement & { checked: boolean };
  verbose.addEventListener('change', () => send({ type: 'setVerbose', on: verbose.checked }));
  const test = (): void => {
    const l = s.linkedServices[Number(select.value || picked)];
    if (l) send({ type: 'testConnection', factoryDir: l.factoryDir, linkedService: l.name });
  };
  return h(
    'section',
    {},
    h('h3', {}, 'Logging'),
    h('div', { class: 'row' }, verbose, button('Open logs', 'open-logs', { type: 'openLogs' }, true)),
    h('vscode-divider'),
    h('h3', {}, 'Test connection'),
    s.linkedServices.length
      ? h('div', { class: 'row' }, select, h('vscode-button', { id: 'test-connection', disabled: !!busy, click: test }, 'Test'))
      : h('p', { class: 'muted' }, 'No linked services in this workspace.'),
    testResult &&
      h(
        'p',
        { id: 'test-result', class: testResult.ok ? 'ok' : 'fail' },
        `${testResult.linkedService}: ${testResult.ok ? 'Connection succeeded' : 'Connection failed'}${testResult.durationMs !== undefined ? ` (${testResult.durationMs} ms)` : ''} — ${testResult.message}`,
      ),
    h('vscode-divider'),
    h('h3', {}, 'Health report'),
    h('div', { class: 'row' }, button('Run health check', 'run-diagnose', { type: 'diagnose' })),
    healthReport(),
    h('h3', {}, 'Metrics'),
    metricsTable(),
  );
}

/** `dmgw diagnose --json`, check by check: status, what was found, the fix. */
function healthReport(): HTMLElement | undefined {
  if (!diagnosis) return h('p', { class: 'muted' }, 'The health check tests this node and its way to the factory service (dmgw diagnose).');
  const r = diagnosis.report;
  if (!r) return h('p', { class: 'fail', id: 'health-error' }, `No health report: ${diagnosis.reportError ?? 'unknown reason'}`);
  const rows = r.checks.map((c) =>
    h('tr', { 'data-check': c.id, 'data-status': c.status }, h('td', { class: c.status === 'ok' || c.status === 'fail' ? c.status : 'muted' }, c.status.toUpperCase()), h('td', {}, h('b', {}, c.title), h('div', { class: 'detail' }, c.detail), c.fix ? h('div', { class: 'fix' }, `Fix: ${c.fix}`) : undefined)),
  );
  return h('div', { id: 'health-report' }, h('p', { id: 'health-summary' }, `${r.summary.fail ?? 0} failed, ${r.summary.warn ?? 0} warnings, ${r.summary.ok ?? 0} ok, ${r.summary.skip ?? 0} skipped — ${new Date(r.createdAt).toLocaleString()}`), h('table', {}, ...rows));
}

/** `dmgw metrics --json`: the host's own numbers; histograms as their count and sum. */
function metricsTable(): HTMLElement {
  if (!diagnosis) return h('p', { class: 'muted' }, 'Shown with the health report, when the host serves metrics (metrics.port).');
  if (!diagnosis.metrics) return h('p', { class: 'muted', id: 'metrics-error' }, `No metrics: ${diagnosis.metricsError ?? 'unknown reason'}`);
  const shown = diagnosis.metrics.filter((m) => !m.name.endsWith('_bucket'));
  return h(
    'table',
    { id: 'metrics' },
    ...shown.map((m) => {
      const labels = Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join(', ');
      return h('tr', { 'data-metric': `${m.name}${labels ? `{${labels}}` : ''}` }, h('td', {}, m.name), h('td', { class: 'muted' }, labels), h('td', {}, String(Math.round(m.value * 1000) / 1000)));
    }),
  );
}


function help(s: ConfigManagerState): HTMLElement {
  return h(
    'section',
    {},
    facts([
      ['Extension version', s.extensionVersion],
      ['Agent version', str(s.gateway.status?.version) ?? 'unknown'],
    ]),
    h('p', {}, 'Commands (palette, "Data Management Gateway:"): Encrypt Credential, Run Pipeline Locally, Start / Stop Local Gateway, Register Gateway, Open Configuration Manager.'),
    h('p', { class: 'muted' }, 'The project README describes the agent (dmgw), the factory service and this extension.'),
  );
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined;
}

function render(): void {
  const app = document.getElementById('app')!;
  if (!state) return;
  const pages: Array<[string, (s: ConfigManagerState) => HTMLElement]> = [['Home', home], ['Settings', settings], ['Diagnostics', diagnostics], ['Help', help]];
  const tabs = h('vscode-tabs', { 'selected-index': String(selectedTab) });
  for (const [title, page] of pages) {
    tabs.append(h('vscode-tab-header', { slot: 'header', 'data-tab': title.toLowerCase() }, title));
    tabs.append(h('vscode-tab-panel', {}, page(state)));
  }
  tabs.addEventListener('vsc-tabs-select', (e) => {
    selectedTab = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    saveState();
  });
  app.className = '';
  app.replaceChildren(busy ? h('p', { id: 'busy', class: 'muted' }, busy) : '', tabs);
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  if (m.type === 'state') state = m.state;
  else if (m.type === 'testConnectionResult') testResult = m.result;
  else if (m.type === 'diagnosis') diagnosis = m.diagnosis;
  else if (m.type === 'busy') busy = m.what;
  render();
});
send({ type: 'ready' });
