/**
 * The MySQL / MariaDB sink's writer procedure call (see procedures/writer.ts): inside the commit transaction, the
 * procedure gets the staging table's database-qualified, back-quoted name in its table parameter (a VARCHAR) and
 * moves the rows itself through a prepared statement, e.g.
 * `SET @s = CONCAT('INSERT INTO t SELECT * FROM ', p_table, ' ON DUPLICATE KEY UPDATE …'); PREPARE s FROM @s;
 * EXECUTE s;`. A procedure runs in its own database, so the name is always qualified.
 */
import type { Connection } from 'mysql2';
import { callMySql } from '../procedures/mysqlCall.js';
import { writerFailed, type WriterProcedure } from '../procedures/writer.js';
import type { TableName } from './connector.js';
import { run } from './mysqlQuery.js';
import { quoteIdent } from './mysqlSql.js';

/** Returns the rows handed to the procedure (the staging table's rows before the call). */
export async function callMySqlWriter(conn: Connection, stage: TableName, writer: WriterProcedure): Promise<number> {
  const db = stage.schema ?? String((await run(conn, 'SELECT DATABASE()')).rows[0]![0]);
  const name = `${quoteIdent(db)}.${quoteIdent(stage.table)}`;
  const n = Number((await run(conn, `SELECT COUNT(*) FROM ${name}`)).rows[0]![0]);
  const table = { name: writer.tableParameter, type: 'String' as const, value: name };
  try {
    await callMySql(conn, writer.name, [...writer.parameters, table], { name: 'typeProperties.sink.sqlWriterStoredProcedureName', parameters: 'typeProperties.sink.storedProcedureParameters' });
  } catch (e) {
    throw writerFailed(writer, e);
  }
  return n;
}
