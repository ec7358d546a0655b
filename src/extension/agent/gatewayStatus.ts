/**
 * The local gateway's state as the agent reports it (`dmgw status --json`), refreshed on a timer and on demand,
 * shared by the tree, the status bar and the Configuration Manager. When the agent cannot tell (no status command
 * yet, a crash), the state says so in `error` instead of guessing.
 */
import * as vscode from 'vscode';
import { isUnknownCommand, type AgentClient } from './agentClient';
import { showCertificates } from './gatewayCertificate';

/** The fields of `dmgw status --json` the extension shows; anything else is passed through to the webview. */
export interface LocalGatewayStatus {
  /** NeedRegistration | Online | Limited | Offline | Upgrading | Stopped */
  status: string;
  version?: string;
  registered?: boolean;
  host?: { running: boolean; pid?: number };
  gateway?: string;
  node?: string;
  factory?: string;
  serviceUrl?: string;
  message?: string;
  lastContactAt?: string;
  runningJobs?: number | unknown[];
  [k: string]: unknown;
}

export interface GatewayState {
  status?: LocalGatewayStatus;
  /** the current certificate's thumbprint (`dmgw cert show --json`); undefined when there is none yet */
  certificate?: string;
  /** why there is no status */
  error?: string;
  checkedAt: Date;
}

export class GatewayStatusWatcher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<GatewayState>();
  readonly onDidChange = this.emitter.event;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<GatewayState> | undefined;
  current: GatewayState = { checkedAt: new Date(0) };

  constructor(
    private readonly agent: AgentClient,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
  }

  refresh(): Promise<GatewayState> {
    this.inFlight ??= this.query().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async query(): Promise<GatewayState> {
    let state: GatewayState;
    try {
      const [status, certs] = await Promise.all([this.agent.json<LocalGatewayStatus>(['status', '--json'], { timeoutMs: 20_000 }), showCertificates(this.agent).catch(() => undefined)]);
      state = { status, certificate: certs?.certificates.find((c) => c.current)?.thumbprint, checkedAt: new Date() };
    } catch (e) {
      state = { error: isUnknownCommand(e) ? 'this agent has no status command' : (e as Error).message, checkedAt: new Date() };
    }
    this.current = state;
    this.emitter.fire(state);
    return state;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.emitter.dispose();
  }
}

export function runningJobCount(s: LocalGatewayStatus | undefined): number {
  const j = s?.runningJobs;
  return Array.isArray(j) ? j.length : typeof j === 'number' ? j : 0;
}

/** The host process runs (whatever the service thinks of it). */
export function hostRunning(s: LocalGatewayStatus | undefined): boolean {
  return s?.host?.running === true;
}
