/**
 * Upsert settings and the SQL each store runs (upsert.ts, upsertSql.ts). PostgreSQL and MariaDB run theirs against
 * real servers in test/integration/contract/upsert.test.ts; SQL Server cannot run on this machine, so its MERGE is
 * checked here as text: the exact statement, identity columns never updated, IDENTITY_INSERT around an insert of
 * one, the key checks over the converted stage.
 */
import { describe, expect, it } from 'vitest';
import { isDmgwError } from '../../../../src/common/errors.js';
import { sqlServerColumn, convertFromStaged, quoteIdent } from '../../../../src/agent/connectors/sqlServerTypes.js';
import { upsertKeys, upsertOf } from '../../../../src/agent/connectors/upsert.js';
import { keyCheckSql, mysqlUpsertSql, postgresUpsertSql, sqlServerMergeSql } from '../../../../src/agent/connectors/upsertSql.js';

const fails = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isDmgwError(e)) return { code: e.code, message: e.message, field: e.place.field };
    throw e;
  }
  throw new Error('did not fail');
};

describe('upsertOf / upsertKeys', () => {
  it('reads ADF\'s SqlUpsertSettings and refuses what cannot run', () => {
    expect(upsertOf({ writeBehavior: 'insert' }, false)).toBeUndefined();
    expect(upsertOf({}, false)).toBeUndefined();
    expect(upsertOf({ writeBehavior: 'Upsert', upsertSettings: { keys: ['id'], useTempDB: true, interimSchemaName: 'tmp' } }, false)).toEqual({ keys: ['id'], useTempDB: true, interimSchemaName: 'tmp' });
    expect(fails(() => upsertOf({ writeBehavior: 'upsert' }, false))).toMatchObject({ code: 'UPSERT_SETTINGS', field: 'typeProperties.sink.upsertSettings.keys' });
    expect(fails(() => upsertOf({ writeBehavior: 'upsert', upsertSettings: { keys: [] } }, false)).code).toBe('UPSERT_SETTINGS');
    expect(fails(() => upsertOf({ writeBehavior: 'upsert', upsertSettings: { keys: ['id', 7] } }, false)).field).toBe('typeProperties.sink.upsertSettings.keys[1]');
    expect(fails(() => upsertOf({ writeBehavior: 'upsert', upsertSettings: { keys: ['id', 'ID'] } }, false)).message).toContain('twice');
    expect(fails(() => upsertOf({ writeBehavior: 'upsert', upsertSettings: { keys: ['id'] } }, true)).message).toContain('sqlWriterStoredProcedureName');
    expect(fails(() => upsertOf({ writeBehavior: 'merge' }, false)).message).toContain('"merge" is not known');
  });

  it('resolves keys to the table\'s names: not a column, or not filled by the copy, is an error naming the key', () => {
    const all = ['Id', 'Region', 'name', 'note'].map((name) => ({ name, type: 'string' as const }));
    const loaded = all.slice(0, 3);
    expect(upsertKeys({ keys: ['id', 'REGION'] }, loaded, all, 't').map((c) => c.name)).toEqual(['Id', 'Region']);
    expect(fails(() => upsertKeys({ keys: ['id', 'sku'] }, loaded, all, 't'))).toMatchObject({ code: 'UPSERT_KEY', field: 'typeProperties.sink.upsertSettings.keys[1]' });
    expect(fails(() => upsertKeys({ keys: ['note'] }, loaded, all, 't')).message).toContain('does not fill');
  });
});

describe('the upsert SQL of each store', () => {
  const u = { quoteIdent: (s: string) => `"${s}"`, target: '"s"."t"', stage: '"s"."dmgw_stage_x"', cols: ['region', 'id', 'name'], keys: ['region', 'id'] };

  it('PostgreSQL: lock, UPDATE … FROM, INSERT … WHERE NOT EXISTS; nothing to update when every column is a key', () => {
    expect(postgresUpsertSql(u)).toEqual([
      'LOCK TABLE "s"."t" IN SHARE ROW EXCLUSIVE MODE',
      'UPDATE "s"."t" AS t SET "name" = s."name" FROM "s"."dmgw_stage_x" AS s WHERE t."region" = s."region" AND t."id" = s."id"',
      'INSERT INTO "s"."t" ("region", "id", "name") SELECT s."region", s."id", s."name" FROM "s"."dmgw_stage_x" AS s WHERE NOT EXISTS (SELECT 1 FROM "s"."t" AS t WHERE t."region" = s."region" AND t."id" = s."id")',
    ]);
    expect(postgresUpsertSql({ ...u, cols: ['region', 'id'] })).toHaveLength(2);
  });

  it('MySQL: ON DUPLICATE KEY UPDATE when the keys are the primary key, else UPDATE JOIN + INSERT', () => {
    const m = { ...u, quoteIdent: (s: string) => `\`${s}\`` };
    expect(mysqlUpsertSql(m, true)).toEqual(['INSERT INTO "s"."t" (`region`, `id`, `name`) SELECT s.`region`, s.`id`, s.`name` FROM "s"."dmgw_stage_x" AS s ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)']);
    expect(mysqlUpsertSql(m, false)[0]).toBe('UPDATE "s"."t" AS t JOIN "s"."dmgw_stage_x" AS s ON t.`region` = s.`region` AND t.`id` = s.`id` SET t.`name` = s.`name`');
  });

  it('key checks: the first NULL key, the first key held twice', () => {
    expect(keyCheckSql(u, u.stage, 'limit')).toEqual([
      'SELECT "region", "id" FROM "s"."dmgw_stage_x" AS s WHERE "region" IS NULL OR "id" IS NULL LIMIT 1',
      'SELECT "region", "id" FROM "s"."dmgw_stage_x" AS s GROUP BY "region", "id" HAVING COUNT(*) > 1 LIMIT 1',
    ]);
  });

  it('SQL Server: one MERGE WITH (HOLDLOCK) over the converted stage; identity columns inserted, never updated', () => {
    const cols = [
      sqlServerColumn({ name: 'id', type: { declaration: 'bigint' } }),
      sqlServerColumn({ name: 'seq', type: { declaration: 'int' } }),
      sqlServerColumn({ name: 'amount', type: { declaration: 'decimal' }, precision: 38, scale: 10 }),
      sqlServerColumn({ name: 'at', type: { declaration: 'datetime2' }, scale: 6 }),
    ];
    const converted = `SELECT ${cols.map((c) => `${convertFromStaged(c)} AS ${quoteIdent(c.name)}`).join(', ')} FROM [dbo].[dmgw_stage_1]`;
    const s = { quoteIdent, target: '[dbo].[orders]', stage: '[dbo].[dmgw_stage_1]', cols: cols.map((c) => c.name), keys: ['id'] };
    expect(sqlServerMergeSql(s, converted, ['seq'])).toBe(
      [
        'SET IDENTITY_INSERT [dbo].[orders] ON;',
        'MERGE INTO [dbo].[orders] WITH (HOLDLOCK) AS t',
        'USING (SELECT CONVERT(bigint, [id]) AS [id], CONVERT(int, [seq]) AS [seq], CONVERT(decimal(38,10), [amount]) AS [amount], CONVERT(datetime2(6), [at], 121) AS [at] FROM [dbo].[dmgw_stage_1]) AS s',
        'ON t.[id] = s.[id]',
        'WHEN MATCHED THEN UPDATE SET t.[amount] = s.[amount], t.[at] = s.[at]',
        'WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [seq], [amount], [at]) VALUES (s.[id], s.[seq], s.[amount], s.[at]);',
        'SET IDENTITY_INSERT [dbo].[orders] OFF;',
      ].join('\n'),
    );
    // no identity column loaded: no IDENTITY_INSERT; only keys: no WHEN MATCHED
    const plain = sqlServerMergeSql({ ...s, cols: ['id'] }, 'SELECT [id] FROM [dbo].[dmgw_stage_1]', []);
    expect(plain).not.toContain('IDENTITY_INSERT');
    expect(plain).not.toContain('WHEN MATCHED');
    expect(keyCheckSql(s, `(${converted})`, 'top')[1]).toBe(`SELECT TOP 1 [id] FROM (${converted}) AS s GROUP BY [id] HAVING COUNT(*) > 1`);
  });
});
