/**
 * The node's side of the gateway channel (docs/GATEWAY-PROTOCOL.md): one method per call, JSON in and out over
 * the pinned dispatcher. Failures come back as ChannelFailure with a kind the host acts on: `unauthorized` (the
 * credential was revoked: stop, NeedRegistration), `leaseLost` (stop the job), `rejected` (a request we got wrong),
 * `unavailable` (service up but failing: back off), `unreachable` (no connection: back off).
 */
import { request, type Dispatcher } from 'undici';
import {
  CHANNEL_PREFIX,
  type EventsRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LeaseResponse,
  type PollRequest,
  type PollResponse,
  type RegisterRequest,
  type RegisterResponse,
  type ResultRequest,
} from '../../common/gateway/protocol.js';
import { explainConnectionError } from '../proxy/proxyErrors.js';

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
  ) {}

  setToken(token: string): void {
    this.token = token;
  }

  register(r: RegisterRequest): Promise<RegisterResponse> {
    return this.call('/register', r);
  }

  poll(r: PollRequest, signal?: AbortSignal): Promise<PollResponse> {
    return this.call('/poll', r, signal);
  }

  heartbeat(r: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.call('/heartbeat', r);
  }

  renew(jobId: string, leaseToken: string): Promise<LeaseResponse> {
    return this.call(`/jobs/${jobId}/lease`, { leaseToken });
  }

  events(jobId: string, r: EventsRequest): Promise<{ cancel: boolean }> {
    return this.call(`/jobs/${jobId}/events`, r);
  }

  result(jobId: string, r: ResultRequest): Promise<Record<string, never>> {
    return this.call(`/jobs/${jobId}/result`, r);
  }

  /** GET of a channel path (an agent release) as bytes, over the same pinned connection. */
  async download(path: string): Promise<Buffer> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.serviceUrl}${path}`, { method: 'GET', dispatcher: this.dispatcher, headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    } catch (e) {
      throw new ChannelFailure('unreachable', `cannot reach ${this.serviceUrl}: ${explainConnectionError(e)}`);
    }
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new ChannelFailure(res.statusCode === 401 ? 'unauthorized' : 'rejected', `download of ${path}: HTTP ${res.statusCode}`, res.statusCode);
    return bytes;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async call<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.serviceUrl}${CHANNEL_PREFIX}${path}`, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify(body),
        signal,
      });
    } catch (e) {
      throw new ChannelFailure('unreachable', `cannot reach ${this.serviceUrl}: ${explainConnectionError(e)}`);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new ChannelFailure('unreachable', `the connection to ${this.serviceUrl} broke: ${(e as Error).message}`);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return (text ? JSON.parse(text) : {}) as T;
    let err: { code?: string; message?: string } = {};
    try {
      err = (JSON.parse(text) as { error?: typeof err }).error ?? {};
    } catch {
      // not ours (a proxy's error page): keep the status
    }
    const message = err.message ?? `HTTP ${res.statusCode}`;
    const kind: FailureKind = res.statusCode === 401 ? 'unauthorized' : res.statusCode === 409 ? 'leaseLost' : res.statusCode >= 500 || res.statusCode === 429 ? 'unavailable' : 'rejected';
    throw new ChannelFailure(kind, message, res.statusCode, err.code);
  }
}
