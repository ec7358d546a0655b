/**
 * Stored procedures on SQL Server / Azure SQL: `request.execute(name)` with named inputs (tedious sends an RPC,
 * so names and order are the procedure's own); values as sqlServerCall.ts sends them.
 */
import type { LinkedService } from '../../common/model/types.js';
import { SqlServerConnector } from '../connectors/sqlServer.js';
import { sqlServerInput } from './sqlServerCall.js';
import { procedureNameParts, type ProcedureOutcome, type ProcedureParameter, type ProcedureRunner } from './procedure.js';

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
    for (const p of parameters) sqlServerInput(req, p);
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
