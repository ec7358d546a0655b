/**
 * The load campaign: `runs` runs queued while no node polls, then drained by the rig's nodes (concurrentJobsLimit
 * `limit` each, set through ARM). Each run copies one row, its own run id, into one table: a run executed twice
 * leaves its id twice. While the queue drains a sampler reads, every 100 ms, each host's running jobs (host-state.json)
 * and the store's leased jobs per node; neither may ever exceed the limit. Pickup delay: a job's lease time minus its
 * enqueue time, from the store (so it includes the wait for a free slot behind the queue).
 */
import { F, GW, RESOURCE_GROUP, sleep, until, type SoakRig } from './rig.js';

export interface LoadCampaign {
  runs: number;
  nodes: number;
  limit: number;
  statuses: Record<string, number>;
  /** run ids whose row is missing or there more than once */
  notOnce: number;
  /** jobs leased more than once */
  retried: number;
  maxRunningPerNode: Record<string, { hostState: number; store: number }>;
  samples: number;
  limitExceeded: number;
  pickupMs: { p50: number; p95: number; max: number };
  drainSeconds: number;
  enqueueSeconds: number;
  ok: boolean;
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.max(0, Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1))] ?? 0;

export async function runLoadCampaign(rig: SoakRig, o: { runs: number; limit: number; log: (l: string) => void }): Promise<LoadCampaign> {
  const { arm, db, name } = rig;
  await db.query(`create table ${name}.load_runs (run_id text)`);
  const ds = (table: string) => ({ properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'PgSink', type: 'LinkedServiceReference' }, typeProperties: { schema: name, table } } as never });
  await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'LoadRuns', ds('load_runs'));
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'Tag', {
    activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'LoadRuns', type: 'DatasetReference' }], outputs: [{ referenceName: 'LoadRuns', type: 'DatasetReference' }], typeProperties: { source: { type: 'PostgreSqlSource', query: "SELECT '@{pipeline().RunId}'::text AS run_id" }, sink: { type: 'PostgreSqlSink' } } }] as never,
  });
  for (const n of rig.nodes) await arm.integrationRuntimeNodes.update(RESOURCE_GROUP, F, GW, n.name, { concurrentJobsLimit: o.limit });
  // the queue fills while no node polls
  for (const n of rig.nodes) await rig.killHost(n);
  const t0 = Date.now();
  const runIds: string[] = [];
  for (let i = 0; i < o.runs; i++) {
    runIds.push((await until('createRun', () => arm.pipelines.createRun(RESOURCE_GROUP, F, 'Tag'))).runId);
    if ((i + 1) % 200 === 0) o.log(`load: ${i + 1}/${o.runs} runs queued`);
  }
  const enqueueSeconds = (Date.now() - t0) / 1000;

  const max: LoadCampaign['maxRunningPerNode'] = Object.fromEntries(rig.nodes.map((n) => [n.name, { hostState: 0, store: 0 }]));
  let samples = 0;
  let exceeded = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples++;
      for (const n of rig.nodes) {
        const running = rig.hostState(n)?.runningJobs.length ?? 0;
        max[n.name]!.hostState = Math.max(max[n.name]!.hostState, running);
        if (running > o.limit) exceeded++;
      }
      const leased = await db.query<{ name: string; n: number }>(`select n.name, count(*)::int as n from ${rig.store}.jobs j join ${rig.store}.nodes n on n.id = j.node_id where j.status = 'leased' group by n.name`).catch(() => ({ rows: [] }));
      for (const r of leased.rows) {
        const m = (max[r.name] ??= { hostState: 0, store: 0 });
        m.store = Math.max(m.store, r.n);
        if (r.n > o.limit) exceeded++;
      }
      await sleep(100);
    }
  })();
  const t1 = Date.now();
  for (const n of rig.nodes) rig.startHost(n);
  let done = 0;
  try {
    await until('the queue drained', async () => {
      const r = await db.query<{ n: number }>(`select count(*)::int as n from ${rig.store}.runs where run_id = any($1::uuid[]) and status in ('Succeeded', 'Failed', 'Cancelled')`, [runIds]);
      if (r.rows[0]!.n - done >= 100 || r.rows[0]!.n === runIds.length) o.log(`load: ${r.rows[0]!.n}/${runIds.length} runs ended after ${Math.round((Date.now() - t1) / 1000)} s`);
      if (r.rows[0]!.n - done >= 100) done = r.rows[0]!.n;
      return r.rows[0]!.n === runIds.length || undefined;
    }, Math.max(300_000, o.runs * 3_000), 1000);
  } finally {
    sampling = false;
    await sampler;
  }
  const drainSeconds = (Date.now() - t1) / 1000;
  const statuses = Object.fromEntries((await db.query<{ status: string; n: number }>(`select status, count(*)::int as n from ${rig.store}.runs where run_id = any($1::uuid[]) group by status`, [runIds])).rows.map((r) => [r.status, r.n]));
  const tagged = await db.query<{ run_id: string; n: number }>(`select run_id, count(*)::int as n from ${name}.load_runs group by run_id`);
  const count = new Map(tagged.rows.map((r) => [r.run_id, r.n]));
  const notOnce = runIds.filter((id) => count.get(id) !== 1).length + tagged.rows.filter((r) => !runIds.includes(r.run_id)).length;
  const jobs = await db.query<{ ms: number; attempt: number }>(`select extract(epoch from (leased_at - enqueued_at)) * 1000 as ms, attempt from ${rig.store}.jobs where run_id = any($1::uuid[])`, [runIds]);
  const pickup = jobs.rows.map((j) => Number(j.ms));
  const retried = jobs.rows.filter((j) => j.attempt > 1).length;
  const result: LoadCampaign = {
    runs: o.runs,
    nodes: rig.nodes.length,
    limit: o.limit,
    statuses,
    notOnce,
    retried,
    maxRunningPerNode: max,
    samples,
    limitExceeded: exceeded,
    pickupMs: { p50: Math.round(pct(pickup, 50)), p95: Math.round(pct(pickup, 95)), max: Math.round(Math.max(0, ...pickup)) },
    drainSeconds,
    enqueueSeconds,
    ok: false,
  };
  result.ok = statuses.Succeeded === o.runs && notOnce === 0 && exceeded === 0;
  return result;
}
