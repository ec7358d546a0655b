/**
 * The node's side of the gateway channel (docs/GATEWAY-PROTOCOL.md): one method per call, JSON in and out over
 * the pinned dispatcher. Failures come back as ChannelFailure with a kind the host acts on: `unauthorized` (the
 * credential was revoked: stop, NeedRegistration), `leaseLost` (stop the job), `rejected` (a request we got wrong),
 * `unavailable` (service up but failing: back off), `unreachable` (no connection: back off).
 */
import { request, type Dispatcher } from 'undici';
import {
  CHANNEL_PREFIX,
  type CredentialResponse,
  type EventsRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LeaseResponse,
  type PollRequest,
  type PollResponse,
  type ProbePollRequest,
  type ProbePollResponse,
  type ProbeResultRequest,
  type RegisterRequest,
  type RegisterResponse,
  type ResultRequest,
  type ResultResponse,
  type SupportReportResponse,
  type WhoamiResponse,
} from '../../common/gateway/protocol.js';
import { SUPPORT_NOTE_HEADER } from '../../common/gateway/supportReport.js';
import { explainConnectionError } from '../proxy/proxyErrors.js';

/**
 * How long a call other than the long poll may wait for its answer (headers, and between body chunks). The dispatcher's
 * own timeouts (70 s, trust.ts) are for the poll, which the service holds up to ~25 s; a renewal stuck that long on a
 * dead connection outlives its lease. Lease reports pass a shorter one derived from the lease (`reportTimeoutMs`).
 */
export const CALL_TIMEOUT_MS = 10_000;

/** A lease report's timeout: a quarter of the lease, 1–10 s, so that a report stuck on a dead connection is abandoned and sent again (on a new connection) while the lease holds. */
export function reportTimeoutMs(leaseSeconds: number): number {
  return Math.min(CALL_TIMEOUT_MS, Math.max(1000, Math.round((leaseSeconds * 1000) / 4)));
}

/** Per call: its timeout, and whether it must go on a connection of its own (the pooled ones may be dead). */
export interface CallOptions {
  timeoutMs?: number;
  fresh?: boolean;
}

export type FailureKind = 'unauthorized' | 'leaseLost' | 'rejected' | 'unavailable' | 'unreachable';

export class ChannelFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class ChannelClient {
  constructor(
    readonly serviceUrl: string,
    private readonly dispatcher: Dispatcher,
    private token?: string,
    /** a dispatcher with the same trust and proxy but no connection yet (for a call with `fresh`); without it, `fresh` uses the pool */
    private readonly freshDispatcher?: () => Dispatcher,
  ) {}

  setToken(token: string): void {
    this.token = token;
  }

  register(r: RegisterRequest): Promise<RegisterResponse> {
    return this.call('/register', r);
  }

  poll(r: PollRequest, signal?: AbortSignal): Promise<PollResponse> {
    // the service holds a poll up to pollWaitSeconds: the dispatcher's long timeouts apply
    return this.call('/poll', r, { long: true }, signal);
  }

  heartbeat(r: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.call('/heartbeat', r);
  }

  /** A new node credential for the one this client holds (which stays valid a short overlap). */
  renewCredential(): Promise<CredentialResponse> {
    return this.call('/credential', {});
  }

  /** Who the service takes this node for (dmgw diagnose); changes nothing. */
  whoami(): Promise<WhoamiResponse> {
    return this.call('/whoami', {});
  }

  renew(jobId: string, leaseToken: string, o: CallOptions = {}): Promise<LeaseResponse> {
    return this.call(`/jobs/${jobId}/lease`, { leaseToken }, o);
  }

  events(jobId: string, r: EventsRequest, o: CallOptions = {}): Promise<{ cancel: boolean }> {
    return this.call(`/jobs/${jobId}/events`, r, o);
  }

  result(jobId: string, r: ResultRequest, o: CallOptions = {}): Promise<ResultResponse> {
    return this.call(`/jobs/${jobId}/result`, r, o);
  }

  /** The probe long poll (interactive jobs: Test Connection), held like the job poll. */
  pollProbes(r: ProbePollRequest, signal?: AbortSignal): Promise<ProbePollResponse> {
    return this.call('/probes/poll', r, { long: true }, signal);
  }

  probeResult(probeId: string, r: ProbeResultRequest): Promise<Record<string, never>> {
    return this.call(`/probes/${probeId}/result`, r);
  }

  /** A support bundle to the service (`dmgw logs send`): raw gzip body, the operator's note in a header. */
  async uploadSupportReport(bundle: Buffer, note?: string): Promise<SupportReportResponse> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.serviceUrl}${CHANNEL_PREFIX}/support-reports`, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/gzip', ...(note ? { [SUPPORT_NOTE_HEADER]: Buffer.from(note, 'utf8').toString('base64') } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: bundle,
      });
    } catch (e) {
      throw new ChannelFailure('unreachable', `cannot reach ${this.serviceUrl}: ${explainConnectionError(e)}`);
    }
    return this.answer<SupportReportResponse>(res);
  }

  /** GET of a channel path (an agent release) as bytes, over the same pinned connection. */
  async download(path: string): Promise<Buffer> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.serviceUrl}${path}`, { method: 'GET', dispatcher: this.dispatcher, headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    } catch (e) {
      throw new ChannelFailure('unreachable', `cannot reach ${this.serviceUrl}: ${explainConnectionError(e)}`);
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await res.body.arrayBuffer());
    } catch (e) {
      throw new ChannelFailure('unreachable', `the download of ${path} from ${this.serviceUrl} broke: ${(e as Error).message}`);
    }
    if (res.statusCode !== 200) throw new ChannelFailure(res.statusCode === 401 ? 'unauthorized' : res.statusCode >= 500 ? 'unavailable' : 'rejected', `download of ${path}: HTTP ${res.statusCode}`, res.statusCode);
    return bytes;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async call<T>(path: string, body: unknown, o: CallOptions & { long?: boolean } = {}, signal?: AbortSignal): Promise<T> {
    const timeoutMs = o.long ? undefined : (o.timeoutMs ?? CALL_TIMEOUT_MS);
    const own = o.fresh && this.freshDispatcher ? this.freshDispatcher() : undefined;
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(`${this.serviceUrl}${CHANNEL_PREFIX}${path}`, {
          method: 'POST',
          dispatcher: own ?? this.dispatcher,
          headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
          body: JSON.stringify(body),
          signal,
          ...(timeoutMs ? { headersTimeout: timeoutMs, bodyTimeout: timeoutMs } : {}),
        });
      } catch (e) {
        throw new ChannelFailure('unreachable', `cannot reach ${this.serviceUrl}: ${timedOut(e, timeoutMs) ?? explainConnectionError(e)}`, undefined, timeoutCode(e));
      }
      return await this.answer<T>(res, timeoutMs);
    } finally {
      // the answer is read: its connection is of no further use
      if (own) void own.destroy().catch(() => undefined);
    }
  }

  private async answer<T>(res: Dispatcher.ResponseData, timeoutMs?: number): Promise<T> {
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new ChannelFailure('unreachable', `the connection to ${this.serviceUrl} broke: ${timedOut(e, timeoutMs) ?? (e as Error).message}`, undefined, timeoutCode(e));
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return (text ? JSON.parse(text) : {}) as T;
    let err: { code?: string; message?: string } = {};
    try {
      err = (JSON.parse(text) as { error?: typeof err }).error ?? {};
    } catch {
      // not ours (a proxy's error page): keep the status
    }
    const message = err.message ?? `HTTP ${res.statusCode}`;
    // 408: the body did not reach the service in time (a slow link), so it is worth sending again
    const kind: FailureKind = res.statusCode === 401 ? 'unauthorized' : res.statusCode === 409 ? 'leaseLost' : res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408 ? 'unavailable' : 'rejected';
    throw new ChannelFailure(kind, message, res.statusCode, err.code);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** `timeout` for undici's header/body timeouts (the ChannelFailure's code), else undefined. */
function timeoutCode(e: unknown): string | undefined {
  return TIMEOUT_CODES.has((e as { code?: string })?.code ?? '') ? 'timeout' : undefined;
}

function timedOut(e: unknown, timeoutMs?: number): string | undefined {
  if (!timeoutCode(e)) return undefined;
  return `no answer within ${timeoutMs ? `${Math.round(timeoutMs / 100) / 10} s` : 'the time allowed'} (a stalled or dead connection)`;
}
