/**
 * Stored procedures on MySQL / MariaDB: `CALL db.proc(?, ?, ...)`. MySQL has no named arguments, so the
 * declared order comes from information_schema.PARAMETERS and the activity's parameters are matched to it by
 * name (case-insensitively, as MySQL compares parameter names). OUT/INOUT parameters go through session
 * variables. Values travel as text, booleans as 1/0, timestamps in UTC without a zone, bytes as bytes.
 */
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { MySqlConnector } from '../connectors/mysql.js';
import { run } from '../connectors/mysqlQuery.js';
import { quoteIdent } from '../connectors/mysqlSql.js';
import { toMySqlDateTime } from '../connectors/mysqlTypes.js';
import { procedureNameParts, type ProcedureOutcome, type ProcedureParameter, type ProcedureRunner } from './procedure.js';

function bind(p: ProcedureParameter): unknown {
  if (p.value === null) return null;
  if (p.type === 'Boolean') return p.value === 'true' ? 1 : 0;
  if (p.type === 'Datetime' || p.type === 'DateTimeOffset') return toMySqlDateTime(p.value);
  if (p.type === 'Byte[]') return Buffer.from(p.value, 'hex');
  return p.value;
}

export class MySqlProcedureRunner implements ProcedureRunner {
  readonly linkedService: string;
  private readonly my: MySqlConnector;

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.my = new MySqlConnector(ls);
  }

  async run(name: string, parameters: ProcedureParameter[], signal: AbortSignal): Promise<ProcedureOutcome> {
    const parts = procedureNameParts(name, 'typeProperties.storedProcedureName');
    if (parts.length > 2) throw new DmgwError('PROCEDURE_NAME', `"${name}" has more parts than database.procedure`, { field: 'typeProperties.storedProcedureName' }, 'write proc or db.proc');
    const db = parts.length === 2 ? parts[0]!.name : null;
    const proc = parts[parts.length - 1]!.name;
    const conn = await this.my.connect();
    const onAbort = () => this.my.release(conn, true);
    signal.addEventListener('abort', onAbort, { once: true });
    let broken = true;
    try {
      const declared = (await run(conn, "SELECT PARAMETER_NAME, PARAMETER_MODE FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = COALESCE(?, DATABASE()) AND SPECIFIC_NAME = ? AND ROUTINE_TYPE = 'PROCEDURE' AND PARAMETER_NAME IS NOT NULL ORDER BY ORDINAL_POSITION", [db, proc])).rows.map((r) => ({ name: String(r[0]), mode: String(r[1]) }));
      const given = new Map(parameters.map((p) => [p.name.toLowerCase(), p]));
      if (declared.length) {
        const unknown = parameters.filter((p) => !declared.some((d) => d.name.toLowerCase() === p.name.toLowerCase()));
        if (unknown.length) throw new DmgwError('PROCEDURE_PARAMETER', `procedure ${name} has no parameter ${unknown.map((p) => p.name).join(', ')} (it has ${declared.map((d) => d.name).join(', ')})`, { field: 'typeProperties.storedProcedureParameters' }, 'use the parameter names of the procedure');
        const missing = declared.filter((d) => d.mode === 'IN' && !given.has(d.name.toLowerCase()));
        if (missing.length) throw new DmgwError('PROCEDURE_PARAMETER', `procedure ${name} needs parameter ${missing.map((d) => d.name).join(', ')}`, { field: 'typeProperties.storedProcedureParameters' }, 'MySQL parameters have no defaults: give every IN parameter a value (null for NULL)');
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
      const r = await run(conn, `CALL ${target}(${args.join(', ')})`, values);
      broken = false;
      return { rows: r.affectedRows };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.my.release(conn, broken);
    }
  }

  close(): Promise<void> {
    return this.my.close();
  }
}
