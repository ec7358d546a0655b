/**
 * `dmgw cert check`: can this gateway use the credentials of these linked services? Each file is decrypted in
 * memory (nothing is written, nothing secret is returned), its parameters at their default values, and reported as
 * ok (with the server it is bound to), needing re-encryption (encrypted for a previous certificate of this gateway,
 * or made before credentials were bound to their server), broken (wrong certificate, altered, pointing at another
 * server than the one it is bound to), plaintext, or without secrets.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspectCredential, type CredentialKey } from '../../common/credential/envelope.js';
import { DmgwError, formatProblem, isDmgwError, problemFromError } from '../../common/errors.js';
import { JsonDocument } from '../../common/jsonDocument.js';
import type { Logger } from '../../common/log.js';
import { displayPath } from '../../common/model/factory.js';
import type { LinkedService } from '../../common/model/types.js';
import { encryptedCredentialOf, findPlaintextSecrets } from '../../common/secrets.js';
import { withParameterDefaults } from '../../common/stores/storeTarget.js';
import { describeTarget, type StoreTarget } from '../../common/stores/target.js';
import { openLinkedService } from './decrypt.js';

export type CredentialStatus = 'ok' | 'reencrypt' | 'error' | 'plaintext' | 'none';

export interface CredentialCheck {
  file: string;
  status: CredentialStatus;
  /** Thumbprint of the certificate the credential was made for. */
  certificate?: string;
  /** Secret field names (never values). */
  fields?: string[];
  /** The server the credential is bound to (ok and reencrypt-for-a-new-certificate only). */
  target?: StoreTarget;
  message: string;
}

/** Linked-service files named by `paths`: files as given; a folder contributes its linkedService/ folder or its *.json. */
export function linkedServiceFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      out.push(p);
      continue;
    }
    const sub = join(p, 'linkedService');
    const dir = statSync(sub, { throwIfNoEntry: false })?.isDirectory() ? sub : p;
    out.push(...readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.json')).sort().map((n) => join(dir, n)));
  }
  return out;
}

export async function checkCredentialFile(path: string, keys: CredentialKey[], current: string | undefined, log?: Logger): Promise<CredentialCheck> {
  const file = displayPath(path);
  try {
    const ls = readLinkedService(file, readText(path, file));
    const plaintext = findPlaintextSecrets(ls).map((s) => s.name);
    const ec = encryptedCredentialOf(ls);
    if (!ec) {
      return plaintext.length
        ? { file, status: 'plaintext', fields: plaintext, message: `plaintext secrets (${plaintext.join(', ')}): encrypt them with \`dmgw encrypt ${file}\`` }
        : { file, status: 'none', message: 'no secrets' };
    }
    const certificate = inspectCredential(ec.value, ls.doc!.placeOf(ec.path)).thumbprint;
    let target: StoreTarget | undefined;
    try {
      target = (await openLinkedService(withParameterDefaults(ls), { keys, log })).target;
    } catch (e) {
      if (!isDmgwError(e) || e.code !== 'CREDENTIAL_UNBOUND') throw e;
      return { file, status: 'reencrypt', certificate, message: `decrypts, but was made before credentials were bound to their server, so the gateway does not use it; re-encrypt it with \`dmgw encrypt ${file}\` (it binds it to the server the file names now: check that server first)` };
    }
    const bound = target ? `, bound to ${describeTarget(target)}` : '';
    const extra = plaintext.length ? `; also plaintext ${plaintext.join(', ')}: run \`dmgw encrypt ${file}\`` : '';
    if (certificate !== current) {
      return { file, status: 'reencrypt', certificate, target, message: `decrypts with previous certificate ${certificate}${bound}; re-encrypt it for the current one with \`dmgw encrypt ${file}\`${extra}` };
    }
    return { file, status: plaintext.length ? 'plaintext' : 'ok', certificate, target, fields: plaintext.length ? plaintext : undefined, message: `decrypts with the current certificate ${certificate}${bound}${extra}` };
  } catch (e) {
    if (!isDmgwError(e)) throw e;
    return { file, status: 'error', message: formatProblem(problemFromError(e)) };
  }
}

function readText(path: string, file: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new DmgwError('FILE_UNREADABLE', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}

function readLinkedService(file: string, text: string): LinkedService {
  const doc = new JsonDocument(file, text.replace(/^\uFEFF/, ''));
  const v = doc.value as { name?: string; properties?: LinkedService['properties'] } | undefined;
  const first = doc.syntaxErrors[0];
  if (first) throw new DmgwError('JSON_SYNTAX', first.message, { file, ...doc.positionAt(first.offset) });
  if (!v?.properties || typeof v.properties !== 'object' || !v.properties.typeProperties || typeof v.properties.typeProperties !== 'object') {
    throw new DmgwError('NOT_A_LINKED_SERVICE', 'not a linked service (no properties.typeProperties)', doc.placeOf(['properties', 'typeProperties']));
  }
  return { kind: 'linkedService', name: String(v.name ?? ''), properties: v.properties, file, doc };
}
