/**
 * Stored procedures on SQL Server / Azure SQL: `request.execute(name)` with named inputs (tedious sends an RPC,
 * so names and order are the procedure's own). Exact types travel as NVARCHAR and the server converts them to the
 * declared parameter type (tedious would pass a decimal through a float); booleans as BIT, bytes as VARBINARY.
 */
import sql from 'mssql';
import type { LinkedService } from '../../common/model/types.js';
import { SqlServerConnector } from '../connectors/sqlServer.js';
import { toMySqlDateTime } from '../connectors/mysqlTypes.js';
import { procedureNameParts, type ProcedureOutcome, type ProcedureParameter, type ProcedureRunner } from './procedure.js';

function input(req: sql.Request, p: ProcedureParameter): void {
  if (p.type === 'Boolean') req.input(p.name, sql.Bit, p.value === null ? null : p.value === 'true');
  else if (p.type === 'Byte[]') req.input(p.name, sql.VarBinary(sql.MAX), p.value === null ? null : Buffer.from(p.value, 'hex'));
  else if (p.type === 'Datetime') req.input(p.name, sql.NVarChar(64), p.value === null ? null : toMySqlDateTime(p.value));
  else if (p.type === 'DateTimeOffset') req.input(p.name, sql.NVarChar(64), p.value === null ? null : p.value.replace(/([+-]\d{2})$/, '$1:00').replace(/Z$/i, '+00:00'));
  else req.input(p.name, sql.NVarChar(sql.MAX), p.value);
}

export class SqlServerProcedureRunner implements ProcedureRunner {
  readonly linkedService: string;
  private readonly conn: SqlServerConnector;

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.conn = new SqlServerConnector(ls);
  }

  async run(name: string, parameters: ProcedureParameter[], signal: AbortSignal): Promise<ProcedureOutcome> {
    const proc = procedureNameParts(name, 'typeProperties.storedProcedureName')
      .map((p) => `[${p.name.replace(/\]/g, ']]')}]`)
      .join('.');
    const req = (await this.conn.connection()).request();
    for (const p of parameters) input(req, p);
    const onAbort = () => req.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await req.execute(proc);
      return { rows: r.rowsAffected.reduce((a, b) => a + b, 0) };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
