/**
 * The one redaction layer every logger and error path goes through. It masks:
 * - values of secret keys in connection strings (`Password=...;`, `AccountKey=...`, `SharedAccessSignature=...`),
 * - passwords in URLs (`postgres://user:secret@host`), SAS signatures (`sig=...`),
 * - secret JSON fields (`"password": "..."`, `"value"` of a SecureString, `"accountKey"`, `"sasToken"`),
 * - and any literal registered with `registerSecret` (decrypted credentials are registered the moment they exist).
 */
const MASK = '***';

const SECRET_KEYS = [
  'password',
  'pwd',
  'accountkey',
  'sharedaccesssignature',
  'sastoken',
  'sas',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'sharedaccesskey',
  'authkey',
  'key1',
  'key2',
];

const registered = new Set<string>();

/** Remember a secret literal so that it is masked wherever it shows up later. Ignores very short values. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

export function forgetSecrets(): void {
  registered.clear();
}

const keyAlt = SECRET_KEYS.join('|');
// key=value inside connection strings; value is quoted or runs to ';' / quote / end
const connKv = new RegExp(`((?:^|[;\\s"'{,])\\s*(?:${keyAlt})\\s*=\\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;"'\\s]*)`, 'gi');
// "password": "..." in JSON
const jsonKv = new RegExp(`("(?:${keyAlt}|encryptedCredentialPlaintext)"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// "type": "SecureString", "value": "..." (either order within a small object)
const secureString = /("type"\s*:\s*"SecureString"\s*,\s*"value"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
const secureStringRev = /("value"\s*:\s*)"(?:[^"\\]|\\.)*"(\s*,\s*"type"\s*:\s*"SecureString")/g;
// scheme://user:password@host
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]+)(@)/gi;
// SAS query signature
const sasSig = /([?&]sig=)[^&\s"']+/gi;

export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const s of registered) if (out.includes(s)) out = out.split(s).join(MASK);
  out = out.replace(connKv, (_m, pre: string, v: string) => (v ? `${pre}${MASK}` : `${pre}${v}`));
  out = out.replace(jsonKv, `$1"${MASK}"`);
  out = out.replace(secureString, `$1"${MASK}"`);
  out = out.replace(secureStringRev, `$1"${MASK}"$2`);
  out = out.replace(urlPassword, `$1${MASK}$3`);
  out = out.replace(sasSig, `$1${MASK}`);
  return out;
}

/** Redacts an Error for printing: message (and stack under debug) with secrets masked. */
export function redactError(e: unknown, withStack = false): string {
  if (e instanceof Error) return redact(withStack && e.stack ? e.stack : e.message);
  return redact(String(e));
}
