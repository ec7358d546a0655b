/**
 * The SQL Server sink's writer procedure call (see procedures/writer.ts), ADF's convention: inside the commit
 * transaction the staged rows are converted to the target's column types (the same CONVERTs as a plain commit),
 * put into a table variable of `sqlWriterTableType` (columns filled by name) and passed as the table-valued
 * parameter `storedProcedureTableTypeParameterName`; the other parameters go by name. All of it runs on the
 * server in one batch, so the rows never travel back through the gateway.
 */
import type sql from 'mssql';
import { DmgwError } from '../../common/errors.js';
import { mssql } from '../libraries.js';
import { procedureNameParts } from '../procedures/procedure.js';
import { sqlServerInput } from '../procedures/sqlServerCall.js';
import { writerFailed, type WriterProcedure } from '../procedures/writer.js';
import { quoteIdent } from './sqlServerTypes.js';

const bracketed = (text: string, field: string) => procedureNameParts(text, field).map((p) => quoteIdent(p.name)).join('.');

/** T-SQL parameter names cannot be quoted: only plain identifiers go into the batch. */
function parameterName(name: string, field: string): string {
  if (/^[\p{L}_#][\p{L}\p{N}_@#$]*$/u.test(name)) return name;
  throw new DmgwError('PROCEDURE_PARAMETER', `"${name}" is not a SQL Server parameter name`, { field: `typeProperties.sink.${field}` }, 'use the name the procedure declares, with or without the @');
}

/** The batch: `converted` is the SELECT of the staged rows as the target's types, `columns` their quoted names. */
export function sqlServerWriterBatch(writer: WriterProcedure, columns: string, converted: string): string {
  const proc = bracketed(writer.name, 'typeProperties.sink.sqlWriterStoredProcedureName');
  const type = bracketed(writer.tableType ?? '', 'typeProperties.sink.sqlWriterTableType');
  const args = [`@${parameterName(writer.tableParameter, 'storedProcedureTableTypeParameterName')} = @dmgw_rows`, ...writer.parameters.map((p, i) => `@${parameterName(p.name, `storedProcedureParameters.${p.name}`)} = @dmgw_p${i}`)];
  return [
    `DECLARE @dmgw_rows ${type};`,
    `INSERT INTO @dmgw_rows (${columns}) ${converted};`,
    'DECLARE @dmgw_n int = @@ROWCOUNT;',
    `EXEC ${proc} ${args.join(', ')};`,
    'SELECT @dmgw_n AS dmgw_rows;',
  ].join('\n');
}

/** Runs the writer inside `tx`; returns the rows handed to the procedure. */
export async function callSqlServerWriter(tx: sql.Transaction, writer: WriterProcedure, columns: string, converted: string): Promise<number> {
  const req = new (mssql().Request)(tx);
  writer.parameters.forEach((p, i) => sqlServerInput(req, p, `dmgw_p${i}`));
  try {
    const r = await req.query(sqlServerWriterBatch(writer, columns, converted));
    const sets = r.recordsets as unknown as Array<Array<Record<string, unknown>>>;
    return Number(sets[sets.length - 1]?.[0]?.dmgw_rows ?? 0);
  } catch (e) {
    throw writerFailed(writer, e);
  }
}
