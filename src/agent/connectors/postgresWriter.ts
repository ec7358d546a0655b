/**
 * The PostgreSQL sink's writer procedure call (see procedures/writer.ts): inside the commit transaction, the
 * procedure gets the staging table's schema-qualified, quoted name in its table parameter (bound untyped, so it
 * may be declared text, varchar or regclass) and moves the rows itself, e.g.
 * `EXECUTE format('INSERT INTO t SELECT * FROM %s ON CONFLICT (id) DO UPDATE …', p_table)`.
 */
import type pg from 'pg';
import { callPostgres } from '../procedures/postgresCall.js';
import { writerFailed, type WriterProcedure } from '../procedures/writer.js';

/** Returns the rows handed to the procedure (the staging table's rows before the call). */
export async function callPostgresWriter(client: pg.ClientBase, stage: string, writer: WriterProcedure): Promise<number> {
  const named = await client.query<{ t: string; n: string }>(`SELECT format('%I.%I', n.nspname, c.relname) AS t, (SELECT count(*) FROM ${stage})::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass`, [stage]);
  const { t, n } = named.rows[0]!;
  try {
    await callPostgres(client, writer.name, 'typeProperties.sink.sqlWriterStoredProcedureName', writer.parameters, { untyped: { name: writer.tableParameter, value: t }, inTransaction: true });
  } catch (e) {
    throw writerFailed(writer, e);
  }
  return Number(n);
}
