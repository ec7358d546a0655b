/**
 * The default `concurrentJobsLimit` of a node, from its machine (what it reports when it registers):
 *
 *   limit = max(1, min(2 × cores, floor(memory MiB / 1024), 32))
 *
 * Why: each job is one worker process that mostly waits on databases and storage, so two per core keep the cores busy;
 * a worker peaks at a few hundred MB (the copy engine's target is < 200 MB RSS), and a GiB per job leaves room for the
 * host, the OS and a database on the same machine; 32 bounds what one node takes from a shared queue. ARM
 * `integrationRuntimeNodes.update` (concurrentJobsLimit) overrides it per node.
 */
export const MAX_DEFAULT_JOBS = 32;

export function defaultConcurrentJobsLimit(cores: number, memoryMb: number): number {
  const c = Number.isFinite(cores) && cores > 0 ? Math.floor(cores) : 1;
  const m = Number.isFinite(memoryMb) && memoryMb > 0 ? memoryMb : 1024;
  return Math.max(1, Math.min(2 * c, Math.floor(m / 1024), MAX_DEFAULT_JOBS));
}

export const CONCURRENCY_FORMULA = 'max(1, min(2 × cores, floor(memory MiB / 1024), 32))';
