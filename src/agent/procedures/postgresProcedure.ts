/**
 * Stored procedures on PostgreSQL: `CALL proc(name => $1::type, ...)` (named notation, so the order written in
 * the activity does not matter); a function is run as `SELECT * FROM fn(...)` instead (postgresCall.ts).
 */
import { PostgresConnector } from '../connectors/postgres.js';
import type { LinkedService } from '../../common/model/types.js';
import { callPostgres } from './postgresCall.js';
import type { ProcedureOutcome, ProcedureParameter, ProcedureRunner } from './procedure.js';

export class PostgresProcedureRunner implements ProcedureRunner {
  readonly linkedService: string;
  private readonly pg: PostgresConnector;

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.pg = new PostgresConnector(ls);
  }

  async run(name: string, parameters: ProcedureParameter[], signal: AbortSignal): Promise<ProcedureOutcome> {
    const client = await this.pg.connect();
    const onAbort = () => this.pg.release(client, true);
    signal.addEventListener('abort', onAbort, { once: true });
    let broken = true;
    try {
      const rows = await callPostgres(client, name, 'typeProperties.storedProcedureName', parameters);
      broken = false;
      return { rows };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.pg.release(client, broken);
    }
  }

  close(): Promise<void> {
    return this.pg.close();
  }
}
