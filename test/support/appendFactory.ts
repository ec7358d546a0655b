/**
 * The "Append" factory the service-replica tests run: one PostgreSQL linked service through gateway GW, tables
 * SCHEMA.src → SCHEMA.dst, and a pipeline whose Copy tags each row with its run id (so a run executed twice leaves its
 * rows twice) and sleeps `sleepSeconds` in the source query, so a fault lands while the job runs.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { pgConnectionString } from './copyFactory.js';
import { RESOURCE_GROUP } from './factoryService.js';

export async function defineAppendFactory(arm: DataFactoryManagementClient, o: { factory: string; gateway: string; schema: string; sleepSeconds: number }): Promise<void> {
  const { factory: F, gateway: GW, schema } = o;
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Pg', { properties: { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString() }, connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' } } } as never);
  for (const [name, table] of [['Src', 'src'], ['Dst', 'dst']]) {
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, name!, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, typeProperties: { schema, table } } } as never);
  }
  const query = `SELECT s.id, s.t, '@{pipeline().RunId}'::text AS run_id FROM ${schema}.src s, pg_sleep(${o.sleepSeconds})`;
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'Append', { properties: { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], typeProperties: { source: { type: 'PostgreSqlSource', query }, sink: { type: 'PostgreSqlSink' } } }] } } as never);
}
