/**
 * How the gateway calls a PostgreSQL procedure, shared by the stored procedure activity and the Copy sink's writer
 * procedure: `CALL proc(name => $1::type, …)` in named notation, values bound as text and cast to the PostgreSQL
 * type of their ADF type; a function (CALL answers 42809 "is not a procedure") runs as `SELECT * FROM fn(…)`.
 * Kept apart from postgres.ts so the connector's sink can call procedures without an import cycle.
 */
import type pg from 'pg';
import { procedureNameParts, type ParameterType, type ProcedureParameter } from './procedure.js';

const PG_TYPES: Record<ParameterType, string> = {
  String: 'text',
  Int: 'integer',
  Int16: 'smallint',
  Int32: 'integer',
  Int64: 'bigint',
  Decimal: 'numeric',
  Double: 'double precision',
  Single: 'real',
  Boolean: 'boolean',
  Date: 'date',
  Datetime: 'timestamp',
  DateTimeOffset: 'timestamptz',
  Guid: 'uuid',
  Timespan: 'interval',
  'Byte[]': 'bytea',
};

/** An unquoted name is folded to lower case by PostgreSQL, as in hand-written SQL; a quoted one is kept. */
const ident = (p: { name: string; quoted: boolean }) => (!p.quoted && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(p.name) ? p.name : `"${p.name.replace(/"/g, '""')}"`);

/** An argument bound without a cast: PostgreSQL takes the declared type (text, varchar, regclass, …). */
export interface UntypedArgument {
  name: string;
  value: string;
}

/**
 * Calls `name` on `client`. `inTransaction`: the function fallback goes through a savepoint, since the failed CALL
 * would otherwise abort the surrounding transaction. Returns the rows a function returned, when it is one.
 */
export async function callPostgres(client: pg.ClientBase, name: string, field: string, parameters: ProcedureParameter[], options: { untyped?: UntypedArgument; inTransaction?: boolean } = {}): Promise<number | undefined> {
  const proc = procedureNameParts(name, field).map(ident).join('.');
  const args = parameters.map((p, i) => `${ident({ name: p.name, quoted: false })} => $${i + 1}::${PG_TYPES[p.type]}`);
  const values: Array<string | null> = parameters.map((p) => (p.value !== null && p.type === 'Byte[]' ? `\\x${p.value}` : p.value));
  if (options.untyped) {
    values.push(options.untyped.value);
    args.push(`${ident({ name: options.untyped.name, quoted: false })} => $${values.length}`);
  }
  const list = args.join(', ');
  if (options.inTransaction) await client.query('SAVEPOINT dmgw_call');
  try {
    await client.query(`CALL ${proc}(${list})`, values);
    return undefined;
  } catch (e) {
    if ((e as { code?: string }).code !== '42809') throw e;
    if (options.inTransaction) await client.query('ROLLBACK TO SAVEPOINT dmgw_call');
    return (await client.query(`SELECT * FROM ${proc}(${list})`, values)).rowCount ?? undefined;
  }
}
