/**
 * Fuzzing for a fixed time rather than a fixed count: `npm test` runs a short campaign; `DMGW_FUZZ_SECONDS=600` (the
 * soak) a long one. A property runs with fast-check until its time is up; a counterexample fails the test with its
 * seed and path, so `DMGW_FUZZ_SEED=<seed>` replays it. Figures go to bench/results/ as JSON when asked
 * (`DMGW_FUZZ_RESULTS=1`, implied by DMGW_FUZZ_SECONDS).
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './builtCli.js';

/** Seconds a fuzz file may spend, from DMGW_FUZZ_SECONDS, else `short` (what `npm test` runs). */
export function fuzzSeconds(short: number): number {
  const s = Number(process.env.DMGW_FUZZ_SECONDS);
  return Number.isFinite(s) && s > 0 ? s : short;
}

export const fuzzSeed = (): number | undefined => (process.env.DMGW_FUZZ_SEED ? Number(process.env.DMGW_FUZZ_SEED) : undefined);

/** Runs `property` for `seconds` (at least one run); returns how many runs it made. Throws fast-check's report on a failure. */
export async function runFor<T>(seconds: number, arb: fc.Arbitrary<T>, check: (v: T) => Promise<void> | void): Promise<number> {
  let runs = 0;
  const property = fc.asyncProperty(arb, async (v) => {
    runs++;
    await check(v);
  });
  await fc.assert(property, { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false, seed: fuzzSeed(), endOnFailure: false });
  return runs;
}

/** Writes `figures` to bench/results/<name>.json when results are asked for; returns the file, if written. */
export function writeFuzzResults(name: string, figures: Record<string, unknown>): string | undefined {
  if (!process.env.DMGW_FUZZ_RESULTS && !process.env.DMGW_FUZZ_SECONDS) return undefined;
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), node: process.version, ...figures }, null, 2)}\n`);
  return file;
}
