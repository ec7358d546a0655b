/**
 * Stored procedures on PostgreSQL: `CALL proc(name => $1::type, ...)` (named notation, so the order written in
 * the activity does not matter); a function (CALL answers 42809 "is not a procedure") is run as
 * `SELECT * FROM fn(...)` instead. Values are bound as text and cast to the PostgreSQL type of their ADF type.
 */
import { PostgresConnector, quoteIdent } from '../connectors/postgres.js';
import type { LinkedService } from '../../common/model/types.js';
import { procedureNameParts, type ParameterType, type ProcedureOutcome, type ProcedureParameter, type ProcedureRunner } from './procedure.js';

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
const ident = (p: { name: string; quoted: boolean }) => (!p.quoted && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(p.name) ? p.name : quoteIdent(p.name));

export class PostgresProcedureRunner implements ProcedureRunner {
  readonly linkedService: string;
  private readonly pg: PostgresConnector;

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.pg = new PostgresConnector(ls);
  }

  async run(name: string, parameters: ProcedureParameter[], signal: AbortSignal): Promise<ProcedureOutcome> {
    const proc = procedureNameParts(name, 'typeProperties.storedProcedureName').map(ident).join('.');
    const args = parameters.map((p, i) => `${ident({ name: p.name, quoted: false })} => $${i + 1}::${PG_TYPES[p.type]}`).join(', ');
    const values = parameters.map((p) => (p.value !== null && p.type === 'Byte[]' ? `\\x${p.value}` : p.value));
    const client = await this.pg.connect();
    const onAbort = () => this.pg.release(client, true);
    signal.addEventListener('abort', onAbort, { once: true });
    let broken = true;
    try {
      let rows: number | undefined;
      try {
        await client.query(`CALL ${proc}(${args})`, values);
      } catch (e) {
        if ((e as { code?: string }).code !== '42809') throw e;
        rows = (await client.query(`SELECT * FROM ${proc}(${args})`, values)).rowCount ?? undefined;
      }
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
