/**
 * Azure Blob Storage connection settings from a linked service (`AzureBlobStorage`, `AzureStorage`): where requests
 * go and how they are authorised, in the forms ADF takes —
 * - a connection string: `DefaultEndpointsProtocol=https;AccountName=..;AccountKey=..;EndpointSuffix=..` (optionally
 *   `BlobEndpoint=`), `BlobEndpoint=..;SharedAccessSignature=..`, or `UseDevelopmentStorage=true` (Azurite);
 * - `sasUri` (with its token, or with `sasToken` beside it);
 * - `serviceEndpoint` (anonymous).
 * The connection string is read with our ADO.NET parser (quotes, last of repeated keys wins) and the blob client is
 * built from the URL and key found here (connectors/azureBlob.ts), not from the SDK's own connection-string parser:
 * that one splits at every `;` and takes the first of repeated keys, so it could go to another endpoint than the
 * one a credential was bound to. `blobTarget` is the credential target (target.ts) of these settings.
 */
import { parseConnectionString } from '../connectionString.js';
import { DmgwError } from '../errors.js';
import type { LinkedService } from '../model/types.js';
import { registerSecret } from '../redact.js';
import { secretText } from '../secrets.js';
import type { BlobTarget } from './target.js';

export interface BlobConnection {
  /** The URL the service client is made with: the blob endpoint, with the SAS as its query when a SAS authorises. */
  url: string;
  /** Shared Key authorisation (AccountKey); absent for a SAS or anonymous access. */
  sharedKey?: { accountName: string; accountKey: string };
  /** The storage account, as named or as the endpoint says. */
  account: string;
}

/** Azurite's well-known account (the same the SDK uses for UseDevelopmentStorage=true). */
export const DEVELOPMENT_STORAGE = {
  url: 'http://127.0.0.1:10000/devstoreaccount1',
  accountName: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

export function blobConnection(ls: LinkedService): BlobConnection {
  const tp = ls.properties.typeProperties ?? {};
  const place = (field: string) => ({ file: ls.file, field: `properties.typeProperties.${field}` });
  const cs = secretText(tp.connectionString);
  if (cs) return fromConnectionString(cs, place('connectionString'));
  const sasUri = secretText(tp.sasUri);
  if (sasUri) {
    const token = secretText(tp.sasToken);
    registerSecret(token);
    const url = token ? `${sasUri}${sasUri.includes('?') ? '&' : '?'}${token.replace(/^\?/, '')}` : sasUri;
    return { url: checkedUrl(url, place('sasUri')), account: accountOfUrl(url) };
  }
  const endpoint = typeof tp.serviceEndpoint === 'string' ? tp.serviceEndpoint : undefined;
  if (endpoint) return { url: checkedUrl(endpoint, place('serviceEndpoint')), account: accountOfUrl(endpoint) };
  throw new DmgwError('BLOB_CONNECTION', `linked service ${ls.name} has no connectionString or sasUri`, { file: ls.file, field: 'properties.typeProperties' }, 'add "connectionString" (or "sasUri")');
}

function fromConnectionString(text: string, place: { file?: string; field: string }): BlobConnection {
  const bad = (why: string): never => {
    throw new DmgwError('BLOB_CONNECTION', `the storage connection string ${why}`, place, 'use DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net, BlobEndpoint=...;SharedAccessSignature=..., or UseDevelopmentStorage=true');
  };
  let cs;
  try {
    cs = parseConnectionString(text);
  } catch {
    // the parser's message may quote part of a key
    return bad('cannot be parsed (write key=value entries separated by ";", quote a value that holds ";")');
  }
  if (/^true$/i.test(cs.get('UseDevelopmentStorage') ?? '')) {
    const d = DEVELOPMENT_STORAGE;
    return { url: d.url, sharedKey: { accountName: d.accountName, accountKey: d.accountKey }, account: d.accountName };
  }
  const key = cs.get('AccountKey');
  const sas = cs.get('SharedAccessSignature')?.replace(/^\?/, '');
  registerSecret(key);
  registerSecret(sas);
  const name = cs.get('AccountName') || undefined;
  let endpoint = cs.get('BlobEndpoint')?.replace(/\/+$/, '') || undefined;
  if (!endpoint) {
    const protocol = (cs.get('DefaultEndpointsProtocol') || 'https').toLowerCase();
    if (protocol !== 'https' && protocol !== 'http') bad(`has DefaultEndpointsProtocol=${protocol}; it must be https or http`);
    if (!name) bad('names neither BlobEndpoint nor AccountName');
    endpoint = `${protocol}://${name}.blob.${cs.get('EndpointSuffix') || 'core.windows.net'}`;
  }
  checkedUrl(endpoint, place);
  if (key) {
    if (!name) bad('has an AccountKey but no AccountName');
    return { url: endpoint, sharedKey: { accountName: name!, accountKey: key }, account: name! };
  }
  if (sas) return { url: `${endpoint}?${sas}`, account: name ?? accountOfUrl(endpoint) };
  return bad('has neither AccountKey nor SharedAccessSignature');
}

function checkedUrl(url: string, place: { file?: string; field: string }): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DmgwError('BLOB_CONNECTION', 'the storage endpoint is not a URL', place, 'write it as https://ACCOUNT.blob.core.windows.net');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new DmgwError('BLOB_CONNECTION', `the storage endpoint uses ${u.protocol.slice(0, -1)}, not https or http`, place, 'write it as https://ACCOUNT.blob.core.windows.net');
  return url;
}

/**
 * The account a URL names: the first path segment in path style (an IP address or localhost, as Azurite and the
 * SDK use), else the first label of the host name.
 */
function accountOfUrl(url: string): string {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const pathStyle = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':') || host === 'localhost';
  return (pathStyle ? decodeURIComponent(u.pathname.split('/')[1] ?? '') : host.split('.')[0]) || host;
}

/** Where requests go, without query and trailing slash: what a credential for these settings is bound to. */
export function blobTarget(c: BlobConnection): BlobTarget {
  const u = new URL(c.url);
  return { type: 'AzureBlobStorage', account: c.account, endpoint: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}` };
}
