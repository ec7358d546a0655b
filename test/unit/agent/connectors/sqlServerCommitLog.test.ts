/**
 * The SQL Server commit markers' statements (connectors/sqlServerCommitLog.ts; no SQL Server runs here, the PostgreSQL
 * and MariaDB markers are tested on the servers: test/integration/copyOnce.test.ts), and the copy key they store.
 */
import { describe, expect, it } from 'vitest';
import { commitLogSql } from '../../../../src/agent/connectors/sqlServerCommitLog.js';
import { copyKeyOf, markValues } from '../../../../src/agent/copy/commitMark.js';

describe('SQL Server commit marker statements', () => {
  it('creates dmgw_commit_log beside the target only when it is not there, keyed by copy_key', () => {
    const { ensure } = commitLogSql({ schema: 'sales', table: 'orders' });
    expect(ensure).toMatch(/^IF OBJECT_ID\(N'\[sales\]\.\[dmgw_commit_log\]', N'U'\) IS NULL CREATE TABLE \[sales\]\.\[dmgw_commit_log\] \(copy_key CHAR\(64\) NOT NULL PRIMARY KEY, /);
    expect(ensure).toContain('committed_at DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME()');
  });

  it('writes the marker with parameters after deleting markers older than 7 days, in one batch', () => {
    const { write } = commitLogSql({ schema: 'sales', table: 'orders' });
    expect(write).toBe("DELETE FROM [sales].[dmgw_commit_log] WHERE committed_at < DATEADD(day, -7, SYSUTCDATETIME()); INSERT INTO [sales].[dmgw_commit_log] (copy_key, run_id, place, target, rows_copied, rows_read, data_read, data_written) VALUES (@k, @r, @p, @t, @n, @rr, @dr, @dw)");
  });

  it('finds a marker by key, and finds nothing (no result set) when the table is not there', () => {
    const { find } = commitLogSql({ table: 'orders' });
    expect(find).toBe("IF OBJECT_ID(N'[dmgw_commit_log]', N'U') IS NOT NULL SELECT CONVERT(VARCHAR(23), committed_at, 126) + 'Z' AS committed_at, rows_copied, rows_read, data_read, data_written FROM [dmgw_commit_log] WHERE copy_key = @k");
  });

  it('quotes an awkward schema name in the identifier and in the OBJECT_ID literal', () => {
    const { ensure } = commitLogSql({ schema: "o'd]d", table: 't' });
    expect(ensure.startsWith("IF OBJECT_ID(N'[o''d]]d].[dmgw_commit_log]', N'U') IS NULL CREATE TABLE [o'd]]d].[dmgw_commit_log] (")).toBe(true);
  });
});

describe('copy key', () => {
  it('is the same for every attempt of one copy and differs by run and by place (iteration)', () => {
    const a = copyKeyOf('run-1', 'Loop[0]/Copy');
    expect(copyKeyOf('run-1', 'Loop[0]/Copy')).toEqual(a);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(copyKeyOf('run-1', 'Loop[1]/Copy').key).not.toBe(a.key);
    expect(copyKeyOf('run-2', 'Loop[0]/Copy').key).not.toBe(a.key);
    expect(markValues({ ...a, target: 'T (table s.t)', rowsRead: 5, dataRead: 50, dataWritten: 60 }, 4)).toEqual([a.key, 'run-1', 'Loop[0]/Copy', 'T (table s.t)', 4, 5, 50, 60]);
  });
});
