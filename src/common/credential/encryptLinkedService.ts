/**
 * `dmgw encrypt`, the VS Code Encrypt command and the gateway's credential endpoint all call this: linked-service
 * text in, linked-service text out, with every plaintext secret moved into one EncryptedCredential for a
 * certificate. It is pure (no files, no keys of its own): edits are made with jsonc-parser's `modify` so the
 * user's formatting and comments stay as they were, and the result is checked to hold no plaintext secret.
 *
 * Where the credential goes: `EncryptedCredential=<jwe>` inside an ADO.NET connection string when secrets came from
 * it (the seed's form, at the place the password was), otherwise `typeProperties.encryptedCredential` (ADF v2).
 */
import { applyEdits, modify, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import { formatConnectionString, formatDatabaseUrl } from '../connectionString.js';
import { DmgwError, type Place } from '../errors.js';
import { JsonDocument } from '../jsonDocument.js';
import type { LinkedService } from '../model/types.js';
import { findPlaintextSecrets } from '../secrets.js';
import { certificateInfo } from './certificate.js';
import { inspectCredential, sealCredential } from './envelope.js';
import {
  ENCRYPTED_CREDENTIAL_KEY,
  addSecret,
  asCredentialPayload,
  isEmptyPayload,
  mergePayloads,
  payloadFieldNames,
  splitSecrets,
  suppliedSecretTarget,
  type CredentialPayload,
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
  let reencryptedFrom: string | undefined;
  if (existing.length) {
    const nothingNew = isEmptyPayload(fresh);
    const heads = existing.map((c) => inspectCredential(c.jwe, doc.placeOf(c.path)));
    if (nothingNew && existing.length === 1 && heads[0]!.thumbprint === target) {
      const location: CredentialLocation = existing[0]!.path.at(-1) === 'connectionString' ? 'connectionString' : 'typeProperties.encryptedCredential';
      return { text, summary: { changed: false, thumbprint: target, location, fields: [], encrypted: [] } };
    }
    if (!opts.open) {
      throw new DmgwError(
        'ALREADY_ENCRYPTED',
        `the linked service already has an EncryptedCredential (for certificate ${heads[0]!.thumbprint}); changing it needs the gateway's private key`,
        doc.placeOf(existing[0]!.path),
        'run `dmgw encrypt FILE` on the gateway itself, or remove the EncryptedCredential, write every secret in plaintext and encrypt again',
      );
    }
    for (const [i, c] of existing.entries()) {
      older = mergePayloads(older, asCredentialPayload(await opts.open(c.jwe, doc.placeOf(c.path)), doc.placeOf(c.path)));
      if (heads[i]!.thumbprint !== target) reencryptedFrom = heads[i]!.thumbprint;
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
  const { jwe } = await sealCredential(payload, certPem, opts.certSource);

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
    },
  };
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
