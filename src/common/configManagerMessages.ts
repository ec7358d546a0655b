/**
 * The messages between the Configuration Manager webview and the extension. Types only (no DOM, no vscode), so both
 * sides compile against the same shapes. Every value shown comes from the agent (`dmgw status --json`,
 * `dmgw cert show --json`, `dmgw test-connection --json`); when the agent cannot tell, the `error` says why.
 */
export interface CertificateView {
  thumbprint: string;
  current: boolean;
  subject: string;
  notBefore: string;
  notAfter: string;
  keyBits: number;
}

export interface LinkedServiceChoice {
  factoryDir: string;
  name: string;
  type: string;
  gateway?: string;
}

/** One row of `dmgw config list --json`: the node's own settings (credential endpoint, update schedule, ...). */
export interface AgentSetting {
  key: string;
  value: string | number | null;
  default: string | number | null;
  /** set by the user (else the default) */
  set: boolean;
}

/** `dmgw proxy show --json`: the proxy in effect and what the gateway home stores (never the password). */
export interface ProxyReport {
  /** `noProxy`: the hosts that bypass it (NO_PROXY and the stored list); absent from agents before that list */
  effective: { url: string; username?: string; hasPassword: boolean; source: string; noProxy?: string[] } | null;
  stored: { url: string; username?: string; passwordSealedFor?: string; noProxy?: string[] } | null;
}

export interface ConfigManagerState {
  extensionVersion: string;
  /** `dmgw config list --json`; `error` says why there is none (e.g. an agent without the command). */
  settings: { list: AgentSetting[]; error?: string };
  /** `error` says why there is no report (e.g. an agent without the proxy command). */
  proxy: { report?: ProxyReport; error?: string };
  gateway: { status?: Record<string, unknown> & { status: string }; error?: string; checkedAt: string };
  certificates: { home?: string; list: CertificateView[]; error?: string };
  linkedServices: LinkedServiceChoice[];
  verboseLogging: boolean;
}

export interface TestConnectionResult {
  linkedService: string;
  ok: boolean;
  message: string;
  durationMs?: number;
}

/** One check of `dmgw diagnose --json` (the health report). */
export interface HealthCheckView {
  id: string;
  group: string;
  title: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

/** One sample of `dmgw metrics --json` (the host's metrics endpoint). */
export interface MetricSampleView {
  name: string;
  labels: Record<string, string | number>;
  value: number;
}

/** The Diagnostics page's health report and metrics, as the agent reports them; an `...Error` says why one is missing. */
export interface Diagnosis {
  report?: { createdAt: string; summary: Record<string, number>; checks: HealthCheckView[] };
  reportError?: string;
  metrics?: MetricSampleView[];
  metricsError?: string;
}

export type ToWebview =
  | { type: 'state'; state: ConfigManagerState }
  | { type: 'diagnosis'; diagnosis: Diagnosis }
  | { type: 'testConnectionResult'; result: TestConnectionResult }
  | { type: 'busy'; what: string | undefined };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'register' }
  | { type: 'openLogs' }
  | { type: 'setVerbose'; on: boolean }
  | { type: 'newCertificate' }
  | { type: 'importCertificate' }
  | { type: 'exportCertificate' }
  | { type: 'testConnection'; factoryDir: string; linkedService: string }
  | { type: 'diagnose' }
  | { type: 'enableCredentialEndpoint' }
  | { type: 'disableCredentialEndpoint' }
  | { type: 'rotateCredentialEndpointToken' }
  | { type: 'setUpdateSchedule' }
  | { type: 'setProxy' }
  | { type: 'clearProxy' };
