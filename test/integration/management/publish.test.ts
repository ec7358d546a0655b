/**
 * `dmgw publish DIR` as users run it: the built CLI against a real factory service, through the ARM client; what
 * was published is read back with @azure/arm-datafactory. A folder with a validation error sends nothing — the
 * factory is not even created.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, type CliResult } from '../../support/builtCli.js';
import { armClient, managementEnv, startTestService, tempDir } from '../../support/factoryService.js';
import type { RunningService } from '../../../src/service/service.js';

let svc: RunningService & { logs: string[] };
let env: NodeJS.ProcessEnv;
const dmgw = (args: string[]): Promise<CliResult> => runCli(args, { env });

beforeAll(async () => {
  ensureBuilt();
  svc = await startTestService();
  env = managementEnv(svc, { DMGW_HOME: tempDir('dmgw-publish-home') });
});
afterAll(async () => svc?.close());

describe('dmgw publish', () => {
  it('publishes the walkthrough folder to a new factory, every resource as the files hold it', async () => {
    const dir = join(tempDir('dmgw-publish'), 'walkthrough');
    cpSync('examples/walkthrough', dir, { recursive: true });
    const r = await dmgw(['publish', dir, '--factory', 'pub1', '--create-factory', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ factory: 'pub1', createdFactory: true, integrationRuntimes: ['OnPremGateway'] });
    expect([...out.linkedServices].sort()).toEqual(['AzureStorage', 'OnPremPostgreSql', 'OnPremSqlServer']);
    expect([...out.datasets].sort()).toEqual(['SalesOrdersCsv', 'SalesOrdersTable', 'SqlServerSalesOrdersTable']);
    expect([...out.pipelines].sort()).toEqual(['CopySalesOrdersToBlob', 'CopySqlServerOrdersToBlob']);
    const arm = armClient(svc);
    const ds = await arm.datasets.get('default', 'pub1', 'SalesOrdersTable');
    expect(ds.properties.type).toBe('PostgreSqlTable');
    // the SDK flattens typeProperties into properties
    expect((ds.properties as unknown as { table: string }).table).toBe('sales_orders');
    const p = await arm.pipelines.get('default', 'pub1', 'CopySalesOrdersToBlob');
    expect(p.activities?.map((a) => a.name)).toEqual(['CopySalesOrders']);
    // publishing again updates in place; the text output says what was sent
    const again = await dmgw(['publish', dir, '--factory', 'pub1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^published .*walkthrough to factory pub1: 1 gateway, 3 linked services, 3 datasets, 2 pipelines$/m);
  });

  it('refuses a folder with a validation error and sends nothing, not even the factory', async () => {
    const dir = join(tempDir('dmgw-publish-bad'), 'walkthrough');
    cpSync('examples/walkthrough', dir, { recursive: true });
    writeFileSync(join(dir, 'dataset/Broken.json'), JSON.stringify({ name: 'Broken', properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'NoSuchService', type: 'LinkedServiceReference' }, typeProperties: { table: 't' } } }));
    const r = await dmgw(['publish', dir, '--factory', 'pub2', '--create-factory']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the factory folder has 1 error, nothing was uploaded:\n\s+.*Broken\.json:\d+:\d+: error: .*NoSuchService/);
    await expect(armClient(svc).factories.get('default', 'pub2')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('says which factory is missing without --create-factory, and needs a folder', async () => {
    const r = await dmgw(['publish', 'examples/walkthrough', '--factory', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('factory nope not found in resource group default');
    const u = await dmgw(['publish', '--factory', 'pub1']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('which factory folder?');
  });
});
