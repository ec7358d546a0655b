/**
 * A Copy sink's writer procedure (`sqlWriterStoredProcedureName`): the rows are staged as for a plain load, and at
 * commit, inside the commit transaction, the procedure is called ONCE over the staging table instead of
 * `INSERT … SELECT`. Each store hands the staged rows over its own way (its sink does the call):
 * - SQL Server: a table-valued parameter, as ADF does — `DECLARE @t <sqlWriterTableType>; INSERT @t SELECT … FROM
 *   stage; EXEC proc @<storedProcedureTableTypeParameterName> = @t, …` (server-side, so memory stays bounded);
 * - PostgreSQL and MariaDB/MySQL have no table-valued parameters: the parameter named by
 *   `storedProcedureTableTypeParameterName` receives the staging table's qualified, quoted name as text, ready to
 *   be spliced into dynamic SQL (`EXECUTE format('… FROM %s', p_table)` / `PREPARE … FROM CONCAT(…)`).
 */
import { DmgwError } from '../../common/errors.js';
import { procedureNameParts, procedureParameters, type ProcedureParameter } from './procedure.js';

export interface WriterProcedure {
  /** as written: `proc`, `schema.proc`, `"Schema"."Proc"`, `[dbo].[Proc]` */
  name: string;
  /** the parameter that receives the staged rows (SQL Server) or the staging table's name (PostgreSQL, MySQL) */
  tableParameter: string;
  /** SQL Server only: the user-defined table type of that parameter */
  tableType?: string;
  /** the sink's other `storedProcedureParameters`, checked against their ADF types */
  parameters: ProcedureParameter[];
}

const FIELD = 'typeProperties.sink';
const SQL_SERVER = new Set(['sqlserver', 'azuresqldatabase', 'azuresqlmi', 'azuresqldw']);

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The writer procedure a Copy sink asks for, or undefined when it loads the table directly. */
export function writerProcedureOf(sink: Record<string, unknown>, linkedServiceType: string): WriterProcedure | undefined {
  const name = text(sink.sqlWriterStoredProcedureName);
  if (!name) return undefined;
  procedureNameParts(name, `${FIELD}.sqlWriterStoredProcedureName`);
  const sqlServer = SQL_SERVER.has(linkedServiceType.toLowerCase());
  const tableParameter = text(sink.storedProcedureTableTypeParameterName)?.replace(/^@/, '');
  if (!tableParameter) {
    throw new DmgwError(
      'WRITER_PROCEDURE',
      `sink sqlWriterStoredProcedureName ${name} needs storedProcedureTableTypeParameterName: the procedure parameter that receives ${sqlServer ? 'the rows (a table-valued parameter)' : "the staging table's name"}`,
      { field: `${FIELD}.storedProcedureTableTypeParameterName` },
      sqlServer ? 'name the procedure\'s READONLY table-type parameter' : "name a text parameter of the procedure; it gets the staging table's quoted name for dynamic SQL",
    );
  }
  const tableType = text(sink.sqlWriterTableType);
  if (sqlServer && !tableType) throw new DmgwError('WRITER_PROCEDURE', `sink sqlWriterStoredProcedureName ${name} on SQL Server needs sqlWriterTableType: the table type of parameter @${tableParameter}`, { field: `${FIELD}.sqlWriterTableType` }, 'give the user-defined table type (CREATE TYPE … AS TABLE) the procedure declares');
  if (tableType) procedureNameParts(tableType, `${FIELD}.sqlWriterTableType`);
  const parameters = procedureParameters(sink.storedProcedureParameters, `${FIELD}.storedProcedureParameters`);
  const clash = parameters.find((p) => p.name.toLowerCase() === tableParameter.toLowerCase());
  if (clash) throw new DmgwError('WRITER_PROCEDURE', `storedProcedureParameters sets ${clash.name}, which is the table parameter the gateway fills`, { field: `${FIELD}.storedProcedureParameters.${clash.name}` }, 'remove it from storedProcedureParameters');
  return { name, tableParameter, tableType, parameters };
}

/** What a writer's call is reported as when it fails: the server's message, the procedure's name, no stack. */
export function writerFailed(w: WriterProcedure, e: unknown): DmgwError {
  return new DmgwError('PROCEDURE_FAILED', `writer procedure ${w.name} failed: ${(e as Error).message}; the sink table was left unchanged`, { field: `${FIELD}.sqlWriterStoredProcedureName` }, 'fix the procedure (it runs inside the copy\'s commit transaction, over the staging table) and run again');
}
