/**
 * How a procedure parameter travels to SQL Server, shared by the stored procedure activity and the Copy sink's
 * writer procedure: exact types as NVARCHAR that the server converts to the declared parameter type (tedious would
 * pass a decimal through a float); booleans as BIT, bytes as VARBINARY. Kept apart from sqlServer.ts so the sink
 * can use it without an import cycle.
 */
import type sql from 'mssql';
import { mssql } from '../libraries.js';
import { toMySqlDateTime } from '../connectors/mysqlTypes.js';
import type { ProcedureParameter } from './procedure.js';

/** Adds `p` to `req` as input `as` (default: its own name). */
export function sqlServerInput(req: sql.Request, p: ProcedureParameter, as = p.name): void {
  const sql = mssql();
  if (p.type === 'Boolean') req.input(as, sql.Bit, p.value === null ? null : p.value === 'true');
  else if (p.type === 'Byte[]') req.input(as, sql.VarBinary(sql.MAX), p.value === null ? null : Buffer.from(p.value, 'hex'));
  else if (p.type === 'Datetime') req.input(as, sql.NVarChar(64), p.value === null ? null : toMySqlDateTime(p.value));
  else if (p.type === 'DateTimeOffset') req.input(as, sql.NVarChar(64), p.value === null ? null : p.value.replace(/([+-]\d{2})$/, '$1:00').replace(/Z$/i, '+00:00'));
  else req.input(as, sql.NVarChar(sql.MAX), p.value);
}
