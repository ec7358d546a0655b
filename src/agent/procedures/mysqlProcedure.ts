/**
 * Stored procedures on MySQL / MariaDB: `CALL db.proc(?, ?, ...)` with the parameters put in their declared order
 * (mysqlCall.ts).
 */
import type { LinkedService } from '../../common/model/types.js';
import { MySqlConnector } from '../connectors/mysql.js';
import { callMySql } from './mysqlCall.js';
import type { ProcedureOutcome, ProcedureParameter, ProcedureRunner } from './procedure.js';

export class MySqlProcedureRunner implements ProcedureRunner {
  readonly linkedService: string;
  private readonly my: MySqlConnector;

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.my = new MySqlConnector(ls);
  }

  async run(name: string, parameters: ProcedureParameter[], signal: AbortSignal): Promise<ProcedureOutcome> {
    const conn = await this.my.connect();
    const onAbort = () => this.my.release(conn, true);
    signal.addEventListener('abort', onAbort, { once: true });
    let broken = true;
    try {
      const rows = await callMySql(conn, name, parameters, { name: 'typeProperties.storedProcedureName', parameters: 'typeProperties.storedProcedureParameters' });
      broken = false;
      return { rows };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.my.release(conn, broken);
    }
  }

  close(): Promise<void> {
    return this.my.close();
  }
}
