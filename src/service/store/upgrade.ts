/**
 * Upgrades a store written before the service sealed secrets (called once by migrate, in its transaction): each
 * resource is masked with its original sealed, each job payload is sealed, secure run parameters are masked, and
 * the clear `jobs.payload` column is dropped. A linked service of a gateway that was stored with a plaintext secret
 * is sealed, not encrypted: re-PUT it (or `dmgw encrypt` it) to have it encrypted for the gateway's certificate.
 */
import { runParameters } from '../queue/runParameters.js';
import type { Sealer } from '../secrets/sealing.js';
import { sealPayload } from './jobs.js';
import { atRest, type ResourceRow } from './resources.js';
import type { Sql } from './sql.js';

export async function sealLegacyRows(q: Pick<Sql, 'query'>, sealer: Sealer): Promise<void> {
  for (const r of await q.query<ResourceRow>('select * from resources where sealed is null')) {
    const { shown, sealed } = atRest(sealer, r.factory_id, r.kind, r.lname, r.properties);
    if (sealed) await q.query('update resources set properties = $4, sealed = $5 where factory_id = $1 and kind = $2 and lname = $3', [r.factory_id, r.kind, r.lname, shown, sealed]);
  }
  for (const j of await q.query<{ id: string; payload: unknown }>('select id, payload from jobs where payload is not null')) {
    await q.query('update jobs set payload_sealed = $2 where id = $1', [j.id, sealPayload(sealer, j.id, j.payload)]);
  }
  await q.query('alter table jobs drop column payload');
  await q.query('alter table jobs alter column payload_sealed set not null');
  const runs = await q.query<{ run_id: string; parameters: Record<string, unknown>; pipeline: Record<string, unknown> | null }>(
    `select r.run_id, r.parameters, p.properties as pipeline from runs r
     left join resources p on p.factory_id = r.factory_id and p.kind = 'pipelines' and p.lname = lower(r.pipeline_name)`,
  );
  for (const r of runs) {
    const shown = runParameters(r.pipeline ?? {}, r.parameters ?? {}).shown;
    if (JSON.stringify(shown) !== JSON.stringify(r.parameters ?? {})) await q.query('update runs set parameters = $2 where run_id = $1', [r.run_id, JSON.stringify(shown)]);
  }
}
