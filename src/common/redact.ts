/**
 * The one redaction layer every logger and error path goes through. It masks:
 * - values of secret keys in connection strings (`Password=...;`, `AccountKey=...`, `SharedAccessSignature=...`),
 *   quoted or not, up to the `;` that ends them,
 * - passwords in URLs (`postgres://user:secret@host`), SAS signatures (`sig=...`),
 * - secret JSON fields (`"password": "..."`, `"value"` of a SecureString, `"accountKey"`, `"sasToken"`) and the same
 *   fields as `util.inspect` prints them (`password: '...'`),
 * - and any literal registered with `registerSecret` (decrypted credentials are registered the moment they exist),
 *   also in the escaped forms it takes inside JSON, URLs and quoted connection-string values.
 * An EncryptedCredential (a JWE) is not a secret and passes through: only the gateway's key can open it.
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

/** Registered literals shorter than this are not masked as literals: masking "ab" everywhere would garble every line. */
export const MIN_REGISTERED_SECRET_LENGTH = 4;

const registered = new Set<string>();
/** Longest first, so that a secret containing another one is masked whole. */
let ordered: string[] = [];

/** Remember a secret literal so that it is masked wherever it shows up later, raw or escaped. Ignores very short values. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_REGISTERED_SECRET_LENGTH) return;
  const before = registered.size;
  for (const form of escapedForms(value)) if (form.length >= MIN_REGISTERED_SECRET_LENGTH) registered.add(form);
  if (registered.size !== before) ordered = [...registered].sort((a, b) => b.length - a.length);
}

/**
 * The registered secret literals that occur in `text` (longest first, none inside another found): what a job for
 * another process must tell it to mask, when that process did not see the secrets arrive (service/orchestration).
 */
export function registeredIn(text: string): string[] {
  const found: string[] = [];
  for (const s of ordered) if (text.includes(s) && !found.some((f) => f.includes(s))) found.push(s);
  return found;
}

export function forgetSecrets(): void {
  registered.clear();
  ordered = [];
}

/**
 * The spellings one secret takes in what we print: as is, quoted inside a connection string (a quote doubled), each
 * of those JSON-escaped once or twice (a JSON log line holding a JSON document) or URL-encoded, and as util.inspect
 * escapes a single quote.
 */
function escapedForms(v: string): string[] {
  const json = (x: string): string => JSON.stringify(x).slice(1, -1);
  const forms = [v.replace(/'/g, "\\'")];
  for (const q of [v, v.replace(/"/g, '""'), v.replace(/'/g, "''")]) forms.push(q, json(q), json(json(q)), encodeURIComponent(q));
  return forms;
}

const keyAlt = SECRET_KEYS.join('|');
// key=value inside connection strings. A quoted value runs to its closing quote (also when the whole string sits
// JSON-escaped in a log line: \"a\"\"b\"); an unquoted one to ';', a line end, or a double quote that ends the JSON
// string around it (a JSON-escaped \" stays inside; a lone backslash is just a character, as in ADO.NET).
// Over-masking beats a leak.
const connKv = new RegExp(
  String.raw`((?:^|[;\s"'{,(])(?:${keyAlt})\s*=\s*)(\\"(?:\\"\\"|(?!\\")[^\r\n])*(?:\\"|$)|"(?:[^"]|"")*(?:"|$)|'(?:[^']|'')*(?:'|$)|(?:\\"|[^;"\r\n])*)`,
  'gim',
);
// "password": "..." in JSON (the key in any case)
const jsonKv = new RegExp(`("(?:${keyAlt})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// password: '...' (or "..." when the value has a ') as util.inspect prints objects
const inspectKv = new RegExp(`(\\b(?:${keyAlt})\\s*:\\s*)(?:'(?:[^'\\\\]|\\\\.)*'|"(?:[^"\\\\]|\\\\.)*")`, 'gi');
// "type": "SecureString", "value": "..." (either order within a small object)
const secureString = /("type"\s*:\s*"SecureString"\s*,\s*"value"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
const secureStringRev = /("value"\s*:\s*)"(?:[^"\\]|\\.)*"(\s*,\s*"type"\s*:\s*"SecureString")/g;
const secureStringInspect = /(type\s*:\s*'SecureString'\s*,\s*value\s*:\s*)'(?:[^'\\]|\\.)*'/g;
// scheme://user:password@host — greedy up to the last '@' of the authority, as URL parsers split it
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*:)([^/?#\s"']+)(@)/gi;
// SAS query signature
const sasSig = /([?&;]sig=)[^&\s"';]+/gi;

export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join(MASK);
  out = out.replace(connKv, (_m, pre: string, v: string) => (v && v !== '""' && v !== "''" ? `${pre}${MASK}` : `${pre}${v}`));
  out = out.replace(jsonKv, `$1"${MASK}"`);
  out = out.replace(inspectKv, `$1'${MASK}'`);
  out = out.replace(secureString, `$1"${MASK}"`);
  out = out.replace(secureStringRev, `$1"${MASK}"$2`);
  out = out.replace(secureStringInspect, `$1'${MASK}'`);
  out = out.replace(urlPassword, `$1${MASK}$3`);
  out = out.replace(sasSig, `$1${MASK}`);
  return out;
}

/**
 * A JSON value with every string redacted (a copy): an activity's input or output on its way into events and
 * results, where a SecureString parameter's value may have flowed. Plain objects and arrays are walked; anything
 * else (numbers, exact numbers, booleans) is kept as it is.
 */
export function redactDeep<T>(v: T): T {
  if (typeof v === 'string') return redact(v) as T;
  if (Array.isArray(v)) return v.map(redactDeep) as T;
  if (v && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x)])) as T;
  }
  return v;
}

/** Redacts an Error for printing: message (and stack under debug) with secrets masked, causes included. */
export function redactError(e: unknown, withStack = false): string {
  if (!(e instanceof Error)) return redact(String(e));
  let text = withStack && e.stack ? e.stack : e.message;
  const cause = (e as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== e) text += `\ncaused by: ${cause instanceof Error ? (withStack && cause.stack ? cause.stack : cause.message) : String(cause)}`;
  return redact(text);
}
