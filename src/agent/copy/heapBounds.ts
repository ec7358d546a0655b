/**
 * Bounds on V8's heap for a copy, applied in-process so they hold whatever launched us (a shell, the VS Code
 * extension, the host's supervisor, a test runner). Measured causes (`--trace-gc`, v8.getHeapSpaceStatistics()):
 *
 * - Young generation. V8 sizes the new space to the machine (64-bit Node without pointer compression: up to
 *   two 64 MiB semi-spaces) and doubles it whenever the bytes that survived scavenges since the last growth
 *   exceed its size. A streaming copy always has rows and buffers in flight when a scavenge runs, so sooner or
 *   later, whatever the table size, the new space reaches its maximum: 134 MB of a 272 MB peak. Here it may
 *   grow until it holds two SEMI_SPACE_MB semi-spaces; then V8's growth factor is set to 1 (V8 reads
 *   `--semi-space-growth-factor` each time it grows the space), and back to 2 should V8 shrink it below that.
 * - Old generation. Whatever survives two scavenges (a batch in flight while the compressor catches up, more
 *   of them with parallel partitions) is promoted, and on a machine with gigabytes of memory V8 lets old space
 *   reach up to 4× its live size before a full GC: JSON with 4 partitions and gzip went from 40 to 160 MB of
 *   heap. `--heap-growing-percent` (read at every full GC) makes that factor OLD_SPACE_GROWTH; live data is
 *   small (~30–40 MB, mostly the agent's own code and objects: its bundle's source alone is 10 MB), so full GCs
 *   stay cheap (5–40 ms).
 *
 * A process started with an explicit --max-semi-space-size keeps its young generation; one started with
 * --max-old-space-size or --heap-growing-percent keeps its old-generation policy.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** 8 MiB semi-spaces: what a started `dmgw` already has after loading; scavenges stay under a few ms. */
export const SEMI_SPACE_MB = 8;
/**
 * old space may grow to 1.6× what survived the last full GC before the next one. At 1.3 the blob fast path spent
 * much of its CPU in full GCs (one profiled run: 4.6 of 13 s); pg → blob, 10M rows, took 8–10 s of CPU against
 * ~7 s at 1.6 and ran 6–10% slower. V8's own factor (up to 4×) let JSON with 4 partitions and gzip reach 160 MB of heap.
 */
export const OLD_SPACE_GROWTH = 1.6;

let installed = false;

const startedWith = (flag: string): boolean => [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a === flag || a.startsWith(`${flag}=`));

/** Installs the bounds once per process; later calls do nothing. */
export function boundHeap(): void {
  if (installed) return;
  installed = true;
  if (!startedWith('--max-old-space-size') && !startedWith('--heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${Math.round((OLD_SPACE_GROWTH - 1) * 100)}`);
  if (startedWith('--max-semi-space-size')) return;
  const cap = 2 * SEMI_SPACE_MB * 1024 * 1024;
  let growing = true;
  const check = () => {
    const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size;
    if (size === undefined) return;
    const grow = size < cap;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  };
  check();
  // V8 resizes the new space only during a scavenge: checking after each one is exact and costs ~10 µs
  new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)) check();
  }).observe({ entryTypes: ['gc'] });
}

/**
 * Above this RSS, relieveHeap() runs a full GC. A burst of large short-lived allocations (a Parquet row group being
 * encoded: an array per column and step, a byte array per string, mostly in V8's large-object space) is freed only
 * by a full GC, which V8 starts after ~100 MB of it has piled up: PostgreSQL → Parquet peaked at 215–281 MB RSS
 * with ~30 MB live.
 */
export const RELIEF_RSS_BYTES = 150 * 1024 * 1024;

/** At most one such GC in this long: each costs ~10–30 ms, so at most a few % of the time goes to them. */
export const RELIEF_EVERY_MS = 200;

let fullGc: (() => void) | undefined;
let lastRelief = 0;

/** After such a burst: a full GC when the process's RSS is above RELIEF_RSS_BYTES, at most every RELIEF_EVERY_MS. */
export function relieveHeap(): void {
  const now = performance.now();
  if (now - lastRelief < RELIEF_EVERY_MS || process.memoryUsage.rss() < RELIEF_RSS_BYTES) return;
  lastRelief = now;
  if (!fullGc) {
    // the gc() of --expose-gc, without asking whoever starts us for the flag
    setFlagsFromString('--expose-gc');
    fullGc = runInNewContext('gc') as () => void;
  }
  fullGc();
}
