/**
 * How the gateway calls a MySQL / MariaDB procedure, shared by the stored procedure activity and the Copy sink's
 * writer procedure. MySQL has no named arguments, so the declared order comes from information_schema.PARAMETERS
 * and the given parameters are matched to it by name (case-insensitively, as MySQL compares parameter names).
 * OUT/INOUT parameters go through session variables. Values travel as text, booleans as 1/0, timestamps in UTC
 * without a zone, bytes as bytes. Kept apart from mysql.ts so the sink can call procedures without an import cycle.
 */
import type { Connection } from 'mysql2';
import { DmgwError } from '../../common/errors.js';
import { run } from '../connectors/mysqlQuery.js';
import { quoteIdent } from '../connectors/mysqlSql.js';
import { toMySqlDateTime } from '../connectors/mysqlTypes.js';
import { procedureNameParts, type ProcedureParameter } from './procedure.js';

function bind(p: ProcedureParameter): unknown {
  if (p.value === null) return null;
  if (p.type === 'Boolean') return p.value === 'true' ? 1 : 0;
  if (p.type === 'Datetime' || p.type === 'DateTimeOffset') return toMySqlDateTime(p.value);
  if (p.type === 'Byte[]') return Buffer.from(p.value, 'hex');
  return p.value;
}

/** `fields`: where the name and the parameters were written, for messages. Returns the rows the call reported. */
export async function callMySql(conn: Connection, name: string, parameters: ProcedureParameter[], fields: { name: string; parameters: string }): Promise<number> {
  const parts = procedureNameParts(name, fields.name);
  if (parts.length > 2) throw new DmgwError('PROCEDURE_NAME', `"${name}" has more parts than database.procedure`, { field: fields.name }, 'write proc or db.proc');
  const db = parts.length === 2 ? parts[0]!.name : null;
  const proc = parts[parts.length - 1]!.name;
  const declared = (await run(conn, "SELECT PARAMETER_NAME, PARAMETER_MODE FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = COALESCE(?, DATABASE()) AND SPECIFIC_NAME = ? AND ROUTINE_TYPE = 'PROCEDURE' AND PARAMETER_NAME IS NOT NULL ORDER BY ORDINAL_POSITION", [db, proc])).rows.map((r) => ({ name: String(r[0]), mode: String(r[1]) }));
  const given = new Map(parameters.map((p) => [p.name.toLowerCase(), p]));
  if (declared.length) {
    const unknown = parameters.filter((p) => !declared.some((d) => d.name.toLowerCase() === p.name.toLowerCase()));
    if (unknown.length) throw new DmgwError('PROCEDURE_PARAMETER', `procedure ${name} has no parameter ${unknown.map((p) => p.name).join(', ')} (it has ${declared.map((d) => d.name).join(', ')})`, { field: fields.parameters }, 'use the parameter names of the procedure');
    const missing = declared.filter((d) => d.mode === 'IN' && !given.has(d.name.toLowerCase()));
    if (missing.length) throw new DmgwError('PROCEDURE_PARAMETER', `procedure ${name} needs parameter ${missing.map((d) => d.name).join(', ')}`, { field: fields.parameters }, 'MySQL parameters have no defaults: give every IN parameter a value (null for NULL)');
  }
  const order = declared.length ? declared : parameters.map((p) => ({ name: p.name, mode: 'IN' }));
  const values: unknown[] = [];
  const args: string[] = [];
  for (const [i, d] of order.entries()) {
    const p = given.get(d.name.toLowerCase());
    if (d.mode === 'IN') {
      values.push(p ? bind(p) : null);
      args.push('?');
      continue;
    }
    // OUT and INOUT arguments must be variables
    await run(conn, `SET @dmgw_p${i} = ?`, [p ? bind(p) : null]);
    args.push(`@dmgw_p${i}`);
  }
  const target = db ? `${quoteIdent(db)}.${quoteIdent(proc)}` : quoteIdent(proc);
  return (await run(conn, `CALL ${target}(${args.join(', ')})`, values)).affectedRows;
}
