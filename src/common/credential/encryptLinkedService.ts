/**
 * `dmgw encrypt`, the VS Code Encrypt command and the gateway's credential endpoint all call this: linked-service
 * text in, linked-service text out, with every plaintext secret moved into one EncryptedCredential for a
 * certificate. It is pure (no files, no keys of its own): edits are made with jsonc-parser's `modify` so the
 * user's formatting and comments stay as they were, and the result is checked to hold no plaintext secret.
 *
 * Where the credential goes: `EncryptedCredential=<jwe>` inside an ADO.NET connection string when secrets came from
 * it (the seed's form, at the place the password was), otherwise `typeProperties.encryptedCredential` (ADF v2).
 *
 * What it is bound to: the target (server, port, database, user, TLS floor; for Blob account and endpoint) that the
 * linked service names once encrypted, its parameters at their default values — computed exactly as a run computes
 * it (stores/storeTarget.ts), sealed inside the JWE. Re-encrypting an existing credential (`open`) binds it to what
 * the file names now; that needs the gateway's key, so only the node's operator can move a credential.
 */
import { applyEdits, modify, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import { formatConnectionString, formatDatabaseUrl } from '../connectionString.js';
import { DmgwError, isDmgwError, type Place } from '../errors.js';
import { JsonDocument } from '../jsonDocument.js';
import type { LinkedService } from '../model/types.js';
import { findPlaintextSecrets } from '../secrets.js';
import { storeTargetOf, withParameterDefaults } from '../stores/storeTarget.js';
import { describeTarget, targetDifferences, type StoreTarget } from '../stores/target.js';
import { certificateInfo } from './certificate.js';
import { inspectCredential, sealCredential } from './envelope.js';
import {
  ENCRYPTED_CREDENTIAL_KEY,
  PAYLOAD_VERSION,
  addSecret,
  asCredentialPayload,
  isEmptyPayload,
  mergePayloads,
  payloadFieldNames,
  restoreSecrets,
  splitSecrets,
  suppliedSecretTarget,
  withoutSecrets,
  type CredentialPayload,
  type SecretSplit,
} from './payload.js';

export interface EncryptOptions {
  /** Shown in error places (`file:line:col`). */
  file?: string;
  /** A secret given on the command line (stdin, environment): it becomes the linked service type's password field. */
  secret?: string;
  /** Names the certificate in errors (a file path). */
  certSource?: string;
  /**
   * Opens an EncryptedCredential the file already has (the gateway's keys), so new secrets can be added to it or it
   * can be re-encrypted for a new certificate. Without it, a file that already has one is only accepted unchanged.
   */
  open?: (jwe: string, place: Place) => Promise<CredentialPayload>;
}

export type CredentialLocation = 'connectionString' | 'typeProperties.encryptedCredential';

export interface EncryptSummary {
  /** False when the file already had everything encrypted for this certificate. */
  changed: boolean;
  thumbprint: string;
  location: CredentialLocation;
  /** Names (never values) of every secret the credential holds. */
  fields: string[];
  /** Names of the secrets that were plaintext in the file or supplied, now encrypted. */
  encrypted: string[];
  /** The thumbprint of the credential the file had, when it was for another certificate and was re-encrypted. */
  reencryptedFrom?: string;
  /**
   * The server the credential is bound to, and the same as text (`PostgreSql gateway@db1.corp:5432/sales`). Absent
   * only when the file was left unchanged without opening its credential (no gateway key to read the binding with).
   */
  target?: StoreTarget;
  boundTo?: string;
  /** When an existing credential was bound anew: the target it had (null: made before credentials were bound). */
  previousTarget?: StoreTarget | null;
}

const TP: JSONPath = ['properties', 'typeProperties'];

export async function encryptLinkedServiceText(text: string, certPem: string, opts: EncryptOptions = {}): Promise<{ text: string; summary: EncryptSummary }> {
  const file = opts.file ?? 'linked service';
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = bom ? text.slice(1) : text;
  const doc = new JsonDocument(file, body);
  const ls = linkedServiceOf(doc);
  const tp = ls.properties.typeProperties as Record<string, unknown>;
  const target = certificateInfo(certPem, opts.certSource ?? 'certificate').thumbprint;

  const split = splitSecrets(tp, doc.placeOf([...TP, 'connectionString']));
  const fresh = split.payload;
  if (opts.secret !== undefined) {
    if (!opts.secret) throw new DmgwError('EMPTY_SECRET', 'the secret given is empty', { file }, 'pass the password on stdin (one line) or in the environment variable');
    const where = suppliedSecretTarget(ls.properties.type, tp, doc.placeOf(TP));
    if (where.section === 'typeProperties' && (tp[where.field] as { type?: string } | undefined)?.type === 'AzureKeyVaultSecret') {
      throw new DmgwError('KEY_VAULT_SECRET', `${where.field} is an Azure Key Vault reference; the gateway does not store that secret`, doc.placeOf([...TP, where.field]), 'drop --password-stdin/--from-env, or replace the Key Vault reference');
    }
    addSecret(fresh, where, opts.secret);
    if (where.section === 'connectionString' && split.connection?.entries) {
      // An empty `Password=` placeholder is replaced in place by the supplied one.
      const i = split.connection.entries.findIndex((e) => e.key.toLowerCase() === where.key.toLowerCase());
      if (i >= 0) {
        split.connection.entries.splice(i, 1);
        split.connection.at ??= i;
      }
    }
  }

  // What the file already has encrypted.
  const existing: Array<{ jwe: string; path: JSONPath }> = [];
  if (split.connection?.credential) existing.push({ jwe: split.connection.credential, path: [...TP, 'connectionString'] });
  if (typeof tp.encryptedCredential === 'string' && tp.encryptedCredential) existing.push({ jwe: tp.encryptedCredential, path: [...TP, 'encryptedCredential'] });
  let older: CredentialPayload = {};
  const olderTargets: Array<StoreTarget | null> = [];
  let reencryptedFrom: string | undefined;
  if (existing.length) {
    const nothingNew = isEmptyPayload(fresh);
    const heads = existing.map((c) => inspectCredential(c.jwe, doc.placeOf(c.path)));
    const current = nothingNew && existing.length === 1 && heads[0]!.thumbprint === target;
    const location: CredentialLocation = existing[0]!.path.at(-1) === 'connectionString' ? 'connectionString' : 'typeProperties.encryptedCredential';
    // Without the key the binding cannot be read: a credential for this certificate is left as it is.
    if (current && !opts.open) return { text, summary: { changed: false, thumbprint: target, location, fields: [], encrypted: [] } };
    if (!opts.open) {
      throw new DmgwError(
        'ALREADY_ENCRYPTED',
        `the linked service already has an EncryptedCredential (for certificate ${heads[0]!.thumbprint}); changing it needs the gateway's private key`,
        doc.placeOf(existing[0]!.path),
        'run `dmgw encrypt FILE` on the gateway itself, or remove the EncryptedCredential, write every secret in plaintext and encrypt again',
      );
    }
    for (const [i, c] of existing.entries()) {
      const opened = asCredentialPayload(await opts.open!(c.jwe, doc.placeOf(c.path)), doc.placeOf(c.path));
      olderTargets.push(opened.target ?? null);
      older = mergePayloads(older, opened);
      if (heads[i]!.thumbprint !== target) reencryptedFrom = heads[i]!.thumbprint;
    }
    if (current) {
      const bound = boundTarget(ls, split, older, doc);
      const was = olderTargets[0];
      if (was && !targetDifferences(was, bound).length && !targetDifferences(bound, was).length) {
        return { text, summary: { changed: false, thumbprint: target, location, fields: payloadFieldNames(older), encrypted: [], target: was, boundTo: describeTarget(was) } };
      }
    }
  }
  const payload = mergePayloads(older, fresh);
  if (isEmptyPayload(payload)) {
    throw new DmgwError(
      'NOTHING_TO_ENCRYPT',
      'no plaintext secret (password, account key or SAS) and no EncryptedCredential to encrypt',
      doc.placeOf(TP),
      'pass the secret with --password-stdin or --from-env VAR, or write it into the file first',
    );
  }
  const bound = boundTarget(ls, split, payload, doc);
  const { jwe } = await sealCredential({ version: PAYLOAD_VERSION, target: bound, ...payload }, certPem, opts.certSource);
  const was = olderTargets.find((t) => !t || targetDifferences(t, bound).length || targetDifferences(bound, t).length);

  // The edits, each applied to the text the previous one produced.
  const fmt = formattingOf(body);
  let out = body;
  const edit = (path: JSONPath, value: unknown): void => {
    out = applyEdits(out, modify(out, path, value, { formattingOptions: fmt }));
  };
  const conn = split.connection;
  const inConnectionString = !!conn?.entries && !!payload.connectionString;
  if (conn) {
    const path = [...TP, 'connectionString', ...(conn.field.secure ? ['value'] : [])];
    if (conn.entries) {
      const entries = [...conn.entries];
      if (inConnectionString) entries.splice(conn.at ?? entries.length, 0, { key: ENCRYPTED_CREDENTIAL_KEY, value: jwe });
      const changed = conn.at !== undefined || inConnectionString;
      if (changed) edit(path, formatConnectionString(entries));
    } else if (conn.url && fresh.connectionString) {
      edit(path, formatDatabaseUrl(conn.url));
    }
  }
  for (const f of split.removeFields) edit([...TP, f], undefined);
  for (const [f, v] of Object.entries(split.rewriteFields)) edit([...TP, f], v);
  if (inConnectionString) {
    if (tp.encryptedCredential !== undefined) edit([...TP, 'encryptedCredential'], undefined);
  } else edit([...TP, 'encryptedCredential'], jwe);

  assertNoPlaintext(file, out);
  return {
    text: bom + out,
    summary: {
      changed: true,
      thumbprint: target,
      location: inConnectionString ? 'connectionString' : 'typeProperties.encryptedCredential',
      fields: payloadFieldNames(payload),
      encrypted: payloadFieldNames(fresh),
      reencryptedFrom,
      target: bound,
      boundTo: describeTarget(bound),
      ...(was !== undefined ? { previousTarget: was } : {}),
    },
  };
}

/**
 * The target the credential is bound to: the linked service as the file will hold it (secrets out), its expressions
 * evaluated with the parameter defaults, the secrets put back — the steps a run takes, in the same order — read by
 * the store's own settings parser. A target that cannot be read is an error here, not at the first run.
 */
function boundTarget(ls: LinkedService, split: SecretSplit, payload: CredentialPayload, doc: JsonDocument): StoreTarget {
  const tp = ls.properties.typeProperties as Record<string, unknown>;
  const encrypted = { ...ls, properties: { ...ls.properties, typeProperties: withoutSecrets(tp, split) as LinkedService['properties']['typeProperties'] } };
  try {
    const resolved = withParameterDefaults(encrypted);
    const typeProperties = restoreSecrets(resolved.properties.typeProperties as Record<string, unknown>, payload, doc.placeOf(TP));
    return storeTargetOf({ ...resolved, properties: { ...resolved.properties, typeProperties: typeProperties as LinkedService['properties']['typeProperties'] } });
  } catch (e) {
    if (!isDmgwError(e)) throw e;
    const place = e.place.line ? e.place : { ...doc.placeOf(TP), ...(e.place.field ? { field: e.place.field } : {}) };
    throw new DmgwError(e.code, `cannot tell which server the credential is for: ${e.message}`, place, e.hint ?? 'fix the linked service so that it names its server, then encrypt again');
  }
}

function linkedServiceOf(doc: JsonDocument): LinkedService {
  const first = doc.syntaxErrors[0];
  if (first) throw new DmgwError('JSON_SYNTAX', first.message, { file: doc.path, ...doc.positionAt(first.offset) }, 'fix the JSON before encrypting');
  const v = doc.value as { name?: unknown; properties?: { type?: unknown; typeProperties?: unknown } } | undefined;
  const isObject = (x: unknown): boolean => !!x && typeof x === 'object' && !Array.isArray(x);
  if (!isObject(v) || !isObject(v!.properties) || typeof v!.properties!.type !== 'string' || !isObject(v!.properties!.typeProperties)) {
    throw new DmgwError('NOT_A_LINKED_SERVICE', 'not a linked service: expected { "name": ..., "properties": { "type": ..., "typeProperties": { ... } } }', doc.placeOf(TP), 'pass a file from the factory\'s linkedService/ folder');
  }
  return { kind: 'linkedService', name: String(v!.name ?? ''), properties: v!.properties as LinkedService['properties'], file: doc.path, doc };
}

/** The last line of defence: if a secret survived the edits it is a bug, and nothing is written. */
function assertNoPlaintext(file: string, text: string): void {
  const doc = new JsonDocument(file, text);
  const left = doc.syntaxErrors.length ? ['(the result does not parse)'] : findPlaintextSecrets(linkedServiceOf(doc)).map((s) => s.name);
  if (left.length) throw new Error(`encrypting ${file} left plaintext secrets behind (${left.join(', ')}); nothing was written`);
}

/** Indentation and line ends as the file already uses them, for the lines `modify` inserts. */
export function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return indent.startsWith('\t') ? { insertSpaces: false, tabSize: 4, eol } : { insertSpaces: true, tabSize: indent.length, eol };
}
