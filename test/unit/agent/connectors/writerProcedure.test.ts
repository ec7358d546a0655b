/**
 * Writer procedure settings (`sqlWriterStoredProcedureName` & co.) as the copy engine reads them before loading,
 * and the T-SQL batch the SQL Server sink sends at commit (no SQL Server runs here; the PostgreSQL and MariaDB
 * calls are covered against real servers in test/integration/contract/writerProcedure.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { sqlServerWriterBatch } from '../../../../src/agent/connectors/sqlServerWriter.js';
import { writerProcedureOf } from '../../../../src/agent/procedures/writer.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return { code: (e as { code?: string }).code, field: (e as { place?: { field?: string } }).place?.field, message: (e as Error).message };
  }
  return undefined;
};

describe('writerProcedureOf', () => {
  it('is undefined without sqlWriterStoredProcedureName (the table is loaded directly)', () => {
    expect(writerProcedureOf({ type: 'PostgreSqlSink', preCopyScript: 'x' }, 'PostgreSql')).toBeUndefined();
    expect(writerProcedureOf({ sqlWriterStoredProcedureName: '  ' }, 'PostgreSql')).toBeUndefined();
  });

  it('reads the procedure, the table parameter (without @) and the typed parameters', () => {
    const w = writerProcedureOf({ sqlWriterStoredProcedureName: 'etl.upsert', storedProcedureTableTypeParameterName: '@rows', storedProcedureParameters: { p_n: { value: 7, type: 'Int32' }, p_on: { value: 'TRUE', type: 'Boolean' } } }, 'MariaDB');
    expect(w).toEqual({ name: 'etl.upsert', tableParameter: 'rows', tableType: undefined, parameters: [{ name: 'p_n', type: 'Int32', value: '7' }, { name: 'p_on', type: 'Boolean', value: 'true' }] });
  });

  it('refuses what cannot work, naming the field', () => {
    expect(codeOf(() => writerProcedureOf({ sqlWriterStoredProcedureName: 'upsert' }, 'PostgreSql'))).toMatchObject({ code: 'WRITER_PROCEDURE', field: 'typeProperties.sink.storedProcedureTableTypeParameterName' });
    expect(codeOf(() => writerProcedureOf({ sqlWriterStoredProcedureName: 'dbo.upsert', storedProcedureTableTypeParameterName: 'rows' }, 'SqlServer'))).toMatchObject({ code: 'WRITER_PROCEDURE', field: 'typeProperties.sink.sqlWriterTableType' });
    expect(codeOf(() => writerProcedureOf({ sqlWriterStoredProcedureName: 'up;drop', storedProcedureTableTypeParameterName: 'rows' }, 'PostgreSql'))).toMatchObject({ code: 'PROCEDURE_NAME', field: 'typeProperties.sink.sqlWriterStoredProcedureName' });
    expect(codeOf(() => writerProcedureOf({ sqlWriterStoredProcedureName: 'up', storedProcedureTableTypeParameterName: 'rows', storedProcedureParameters: { ROWS: { value: 'x' } } }, 'PostgreSql'))).toMatchObject({ code: 'WRITER_PROCEDURE', field: 'typeProperties.sink.storedProcedureParameters.ROWS' });
    expect(codeOf(() => writerProcedureOf({ sqlWriterStoredProcedureName: 'up', storedProcedureTableTypeParameterName: 'rows', storedProcedureParameters: { n: { value: 'ten', type: 'Int' } } }, 'MySql'))).toMatchObject({ code: 'PROCEDURE_PARAMETER' });
  });
});

describe('SQL Server writer batch', () => {
  const w = writerProcedureOf({ sqlWriterStoredProcedureName: 'dbo.[Upsert Orders]', sqlWriterTableType: 'dbo.OrderType', storedProcedureTableTypeParameterName: 'Orders', storedProcedureParameters: { batch: { value: 'b1' } } }, 'AzureSqlDatabase')!;

  it('fills a table variable of the table type from the converted stage and passes it by name, counting the rows', () => {
    const batch = sqlServerWriterBatch(w, '[id], [name]', 'SELECT CONVERT(bigint, [id]) AS [id], [name] AS [name] FROM [dbo].[dmgw_stage_1]');
    expect(batch.split('\n')).toEqual([
      'DECLARE @dmgw_rows [dbo].[OrderType];',
      'INSERT INTO @dmgw_rows ([id], [name]) SELECT CONVERT(bigint, [id]) AS [id], [name] AS [name] FROM [dbo].[dmgw_stage_1];',
      'DECLARE @dmgw_n int = @@ROWCOUNT;',
      'EXEC [dbo].[Upsert Orders] @Orders = @dmgw_rows, @batch = @dmgw_p0;',
      'SELECT @dmgw_n AS dmgw_rows;',
    ]);
  });

  it('refuses a parameter name that would have to be quoted (T-SQL cannot)', () => {
    const bad = { ...w, tableParameter: 'x = 1; DROP TABLE t --' };
    expect(codeOf(() => sqlServerWriterBatch(bad, '[id]', 'SELECT 1'))).toMatchObject({ code: 'PROCEDURE_PARAMETER' });
  });
});
