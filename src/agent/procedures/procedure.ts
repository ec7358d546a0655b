/**
 * Running a stored procedure through the gateway: ADF's `SqlServerStoredProcedure` shape
 * (`storedProcedureName`, `storedProcedureParameters: { name: { value, type } }`) for every SQL store that has
 * procedures. Parameters are checked against their declared ADF type here, before anything reaches a server,
 * and arrive at the store as text (or NULL) in one canonical form per type.
 * One file per store (postgresProcedure.ts, mysqlProcedure.ts, sqlServerProcedure.ts); `procedureRunnerFor`
 * picks one for a (decrypted) linked service.
 */
import { DmgwError } from '../../common/errors.js';

/** ADF's StoredProcedureParameterType, plus the .NET names the SQL Server activity also accepts. */
export type ParameterType = 'String' | 'Int' | 'Int16' | 'Int32' | 'Int64' | 'Decimal' | 'Double' | 'Single' | 'Boolean' | 'Date' | 'Datetime' | 'DateTimeOffset' | 'Guid' | 'Timespan' | 'Byte[]';

export interface ProcedureParameter {
  name: string;
  type: ParameterType;
  /** canonical text: integers/decimals as digits, booleans true/false, dates ISO, bytes as hex; null = SQL NULL */
  value: string | null;
}

export interface ProcedureOutcome {
  /** rows the procedure reported as affected, or returned (a set-returning function), when the store says */
  rows?: number;
}

export interface ProcedureRunner {
  readonly linkedService: string;
  run(name: string, parameters: ProcedureParameter[], signal: AbortSignal): Promise<ProcedureOutcome>;
  close(): Promise<void>;
}

const TYPES: Record<string, ParameterType> = Object.fromEntries(
  (['String', 'Int', 'Int16', 'Int32', 'Int64', 'Decimal', 'Double', 'Single', 'Boolean', 'Date', 'Datetime', 'DateTimeOffset', 'Guid', 'Timespan', 'Byte[]'] as ParameterType[]).map((t) => [t.toLowerCase(), t]),
);
TYPES.datetime2 = 'Datetime';
TYPES.bool = 'Boolean';
TYPES.uniqueidentifier = 'Guid';

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `storedProcedureParameters` → checked parameters, in the order written. `field`: where they are, for messages. */
export function procedureParameters(raw: unknown, field: string): ProcedureParameter[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new DmgwError('PROCEDURE_PARAMETERS', 'storedProcedureParameters must be an object of { "name": { "value": ..., "type": ... } }', { field }, 'see the SqlServerStoredProcedure activity in ADF');
  return Object.entries(raw as Record<string, unknown>).map(([key, spec]) => {
    const at = `${field}.${key}`;
    const s = (spec && typeof spec === 'object' ? spec : { value: spec }) as { value?: unknown; type?: unknown };
    const typeName = typeof s.type === 'string' && s.type ? s.type : 'String';
    const type = TYPES[typeName.toLowerCase()];
    if (!type) throw new DmgwError('PROCEDURE_PARAMETER', `parameter ${key} has type "${typeName}", which is not a stored procedure parameter type`, { field: `${at}.type` }, `use one of ${[...new Set(Object.values(TYPES))].join(', ')}`);
    return { name: key.replace(/^@/, ''), type, value: canonical(s.value, type, key, at) };
  });
}

function canonical(v: unknown, type: ParameterType, name: string, field: string): string | null {
  if (v === null || v === undefined) return null;
  const text = typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : JSON.stringify(v);
  const bad = (what: string): never => {
    throw new DmgwError('PROCEDURE_PARAMETER', `parameter ${name} is ${type} but its value ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} is not ${what}`, { field: `${field}.value` }, `pass ${what}, or change the parameter's type`);
  };
  switch (type) {
    case 'Int':
    case 'Int16':
    case 'Int32':
    case 'Int64': {
      if (!INTEGER.test(text)) bad('a whole number');
      const n = BigInt(text);
      const bits = type === 'Int16' ? 15n : type === 'Int64' ? 63n : 31n;
      if (n < -(1n << bits) || n >= 1n << bits) bad(`within the range of ${type === 'Int' ? 'Int32' : type}`);
      return n.toString();
    }
    case 'Decimal':
    case 'Double':
    case 'Single':
      return NUMBER.test(text) ? text.replace(/^\+/, '') : bad('a number');
    case 'Boolean':
      return /^(true|1)$/i.test(text) ? 'true' : /^(false|0)$/i.test(text) ? 'false' : bad('true or false');
    case 'Date':
      return DATE.test(text) ? text : DATETIME.test(text) ? text.slice(0, 10) : bad('a date (YYYY-MM-DD)');
    case 'Datetime':
    case 'DateTimeOffset':
      return DATETIME.test(text) ? text : bad('a date and time (ISO 8601)');
    case 'Guid':
      return GUID.test(text) ? text.toLowerCase() : bad('a GUID');
    case 'Byte[]':
      return /^(0x|\\x)?([0-9a-f]{2})*$/i.test(text) ? text.replace(/^(0x|\\x)/i, '').toLowerCase() : bad('hex bytes');
    default:
      return typeof v === 'string' ? v : text;
  }
}

/** `schema.proc`, `"Schema"."Proc"`, `[dbo].[Proc]`, `` `db`.`proc` ``: parts, and whether each was quoted. */
export function procedureNameParts(text: string, field: string): Array<{ name: string; quoted: boolean }> {
  const parts: Array<{ name: string; quoted: boolean }> = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|\[((?:[^\]]|\]\])*)\]|`((?:[^`]|``)*)`|([A-Za-z_][\w$#@]*))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    m = re.exec(text);
    if (!m) break;
    if (m[1] !== undefined) parts.push({ name: m[1].replace(/""/g, '"'), quoted: true });
    else if (m[2] !== undefined) parts.push({ name: m[2].replace(/\]\]/g, ']'), quoted: true });
    else if (m[3] !== undefined) parts.push({ name: m[3].replace(/``/g, '`'), quoted: true });
    else parts.push({ name: m[4]!, quoted: false });
    at = re.lastIndex;
    if (!m[5]) break;
  }
  if (!parts.length || at < text.length || parts.length > 3) throw new DmgwError('PROCEDURE_NAME', `"${text}" is not a stored procedure name`, { field }, 'write proc, schema.proc or "Schema"."Proc"');
  return parts;
}
