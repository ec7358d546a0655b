/**
 * What a failed management call means for the user, in their terms: a refused token, a gateway or factory that
 * does not exist, a service that is not running or not trusted. The SDK's RestError (status, ARM error code and
 * message, or a Node socket/TLS code when there was no answer) becomes a DmgwError with a hint.
 */
import type { PipelineResponse } from '@azure/core-rest-pipeline';
import { DmgwError, isDmgwError } from '../../common/errors.js';

export interface CallContext {
  endpoint: string;
  resourceGroup: string;
  factory: string;
  azure: boolean;
  /** What the call was about, for 404s: a gateway, a pipeline, a run. */
  resource?: { kind: 'gateway' | 'pipeline' | 'run' | 'linked service' | 'dataset'; name: string };
}

interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  message: string;
  details?: unknown;
}

/** A response body as JSON, or undefined when it is not JSON. */
export function jsonBody(r: PipelineResponse): Record<string, unknown> | undefined {
  try {
    return JSON.parse(r.bodyAsText ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * A non-2xx answer to a request sent by hand through a client's pipeline, in the shape of the SDK's RestError
 * (statusCode, details = the parsed body), so explainManagementError reads it as it reads the generated client's.
 */
export function restErrorOf(r: PipelineResponse, details: unknown = jsonBody(r)): Error & { statusCode: number; details: unknown } {
  const message = (details as { error?: { message?: string } } | undefined)?.error?.message ?? (r.bodyAsText?.slice(0, 300) || `HTTP ${r.status}`);
  return Object.assign(new Error(message), { statusCode: r.status, details });
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ALTNAME/;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'REQUEST_SEND_ERROR']);

/** ARM's message (`{error: {code, message}}`), without the SDK's JSON wrapping. */
function armMessage(e: RestErrorLike): string {
  const d = e.details as { error?: { message?: string } } | undefined;
  return (d?.error?.message ?? e.message).trim();
}

export function explainManagementError(error: unknown, ctx: CallContext): Error {
  if (isDmgwError(error)) return error;
  const e = error as RestErrorLike;
  if (!e || typeof e !== 'object' || typeof e.message !== 'string') return new Error(String(error));
  const where = {};
  if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError' || e.name === 'AuthenticationError') {
    return new DmgwError('AZURE_CREDENTIAL', `no Azure credential worked: ${e.message.split('\n')[0]}`, where, 'sign in with `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET; for our own service pass --token-file');
  }
  if (e.statusCode === 401) {
    return new DmgwError('TOKEN_REFUSED', `the token was refused: ${armMessage(e)}`, where, ctx.azure ? 'sign in again (`az login`) or check the identity DefaultAzureCredential picked' : 'pass the service\'s current admin token file (--token-file DATA/admin-token, as `dmgw service start` printed it)');
  }
  if (e.statusCode === 403) return new DmgwError('FORBIDDEN', `not allowed: ${armMessage(e)}`, where, 'the identity needs the Data Factory Contributor role on the factory');
  if (e.statusCode === 404) return notFound(e, ctx);
  if (e.statusCode === 400) return new DmgwError('BAD_REQUEST', `the service refused the request: ${armMessage(e)}`, where);
  if (e.statusCode && e.statusCode >= 500) return new DmgwError('SERVICE_FAILED', `the service failed (HTTP ${e.statusCode}): ${armMessage(e)}`, where, 'try again; if it keeps failing, look at the service\'s log');
  const code = e.code ?? '';
  if (TLS_CODES.test(code) || /certificate/i.test(e.message)) {
    return new DmgwError('SERVICE_NOT_TRUSTED', `cannot trust ${ctx.endpoint}: ${e.message}`, where, 'pass the service\'s certificate: --ca-file DATA/tls/service.crt.pem (the caCertFile `dmgw service start` printed), DMGW_CA_FILE or NODE_EXTRA_CA_CERTS');
  }
  if (UNREACHABLE_CODES.has(code) || /ECONNREFUSED|ENOTFOUND|socket hang up/.test(e.message)) {
    const refused = code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message);
    return new DmgwError(
      'SERVICE_UNREACHABLE',
      `cannot reach the factory service at ${ctx.endpoint} (${refused ? 'connection refused' : code || e.message})`,
      where,
      ctx.azure ? 'check the network path to Azure and HTTPS_PROXY' : 'is it running? start it with `dmgw service start --data DIR` (it prints its url), then pass that url as --endpoint or DMGW_ENDPOINT',
    );
  }
  return new DmgwError('MANAGEMENT_FAILED', `${e.statusCode ? `HTTP ${e.statusCode}: ` : ''}${armMessage(e)}`, where);
}

function notFound(e: RestErrorLike, ctx: CallContext): DmgwError {
  const msg = armMessage(e);
  const factoryMissing = new RegExp(`factories/${escape(ctx.factory)}'`, 'i').test(msg) || !ctx.resource;
  if (factoryMissing) {
    return new DmgwError('FACTORY_NOT_FOUND', `factory ${ctx.factory} not found in resource group ${ctx.resourceGroup}`, {}, 'check --factory/--resource-group; `dmgw gateway create NAME --create-factory` makes the factory');
  }
  const r = ctx.resource!;
  const hints: Record<string, string> = {
    gateway: 'dmgw gateway list shows what exists',
    pipeline: 'upload the factory folder first: dmgw pipeline run NAME --factory DIR',
    run: 'runs are per factory: check --factory',
    'linked service': 'upload the factory folder first: dmgw pipeline run NAME --factory DIR',
    dataset: 'upload the factory folder first: dmgw pipeline run NAME --factory DIR',
  };
  const codes: Record<string, string> = { gateway: 'GATEWAY_NOT_FOUND', pipeline: 'PIPELINE_NOT_FOUND', run: 'RUN_NOT_FOUND', 'linked service': 'LINKED_SERVICE_NOT_FOUND', dataset: 'DATASET_NOT_FOUND' };
  return new DmgwError(codes[r.kind]!, `${r.kind} ${r.name} not found in factory ${ctx.factory}`, {}, hints[r.kind]);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
