/**
 * The soak campaigns (bench/soak, `npm run soak`) in short: one fault trial of each kind, and 40 runs drained by two
 * nodes with concurrentJobsLimit 4 — the same code as the full campaign, on the real service replicas, hosts, workers,
 * PostgreSQL, MariaDB and Azurite. The lease here (15 s) is longer than any stall the trials make. A host killed
 * right after its worker committed, or a channel stalled while the final report is sent, can still have the job run
 * again; the new attempt finds the first one's commit marker (copy/commitMark.ts) and does not copy again, so every
 * kind must leave the sink equal to the source, one final state and nothing staged. A last, forced stall-channel
 * trial makes that re-lease certain (without the marker its sink held every row twice).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, prepareSources, prng, runTrial } from '../../bench/soak/faults.js';
import { runLoadCampaign } from '../../bench/soak/load.js';
import { SoakRig } from '../../bench/soak/rig.js';
import { requireServer } from '../support/servers.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));
const SEED = Number(process.env.DMGW_SOAK_SEED ?? 7);
const rigs: SoakRig[] = [];

describe.skipIf(!up)('soak, short: faults and load on the real gateway', () => {
  afterAll(async () => {
    for (const r of rigs) await r.stop();
  });

  it(`one trial of each fault kind (seed ${SEED}): sink equals source, one final state, nothing staged`, { timeout: 600_000 }, async () => {
    const rig = new SoakRig({ nodes: 1, serviceArgs: ['--lease-seconds', '15', '--heartbeat-seconds', '1', '--poll-seconds', '5'], hostEnv: { DMGW_WORKER_KILL_SECONDS: '3' } });
    rigs.push(rig);
    await rig.start();
    const expected = await prepareSources(rig, 10_000);
    expect(expected.n).toBe(10_000);
    const rnd = prng(SEED);
    const failed = [];
    for (const [i, kind] of FAULT_KINDS.entries()) {
      const r = await runTrial(rig, i, kind, rnd, expected);
      // kill-host and stall-channel too: a job run again after its worker committed copies nothing (exactly once)
      if (!r.ok) failed.push(r);
    }
    expect(failed).toEqual([]);

    // the issue-12 case made certain: the channel stalls from the worker's start for longer than the lease, so the
    // worker commits while its host's reports (renewals, then the final one) are held up; the lease expires, the job
    // is leased again (attempt 2), which must find the commit marker and copy nothing: the sink equals the source
    const twice = await runTrial(rig, FAULT_KINDS.length, 'stall-channel', rnd, expected, { pair: 'maria-pg', atMs: 0, stallMs: 25_000 });
    expect(twice.status, JSON.stringify(twice)).toBe('Succeeded');
    expect(twice.jobAttempts).toBeGreaterThanOrEqual(2);
    expect(twice.sinkRows).toBe(expected.n);
    expect(twice.ok, JSON.stringify(twice)).toBe(true);
  });

  it('40 queued runs drained by 2 nodes (limit 4): each completes once, the limit is never exceeded', { timeout: 600_000 }, async () => {
    const rig = new SoakRig({ nodes: 2, blob: false, serviceArgs: ['--lease-seconds', '30', '--heartbeat-seconds', '2', '--poll-seconds', '10'] });
    rigs.push(rig);
    await rig.start();
    const r = await runLoadCampaign(rig, { runs: 40, limit: 4, log: () => undefined });
    expect(r.statuses).toEqual({ Succeeded: 40 });
    expect(r.notOnce).toBe(0);
    expect(r.limitExceeded).toBe(0);
    expect(r.samples).toBeGreaterThan(10);
    for (const m of Object.values(r.maxRunningPerNode)) {
      expect(m.hostState).toBeLessThanOrEqual(4);
      expect(m.store).toBeLessThanOrEqual(4);
    }
    // both nodes took work
    expect(Object.values(r.maxRunningPerNode).every((m) => m.store > 0)).toBe(true);
  });
});
