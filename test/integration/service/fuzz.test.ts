/**
 * The service under fuzz (test/support/serviceFuzz.ts): the built `dmgw service start` in a child process, every
 * channel and ARM route, for DMGW_FUZZ_SECONDS (20 s in `npm test`; the soak runs it for minutes and keeps the
 * figures in bench/results/fuzz-service.json). Only 2xx/3xx/4xx answers, every request answered or closed in time, no
 * error in the service's log, and its memory bounded.
 */
import { describe, expect, it } from 'vitest';
import { fuzzSeconds, writeFuzzResults } from '../../support/fuzz.js';
import { fuzzService } from '../../support/serviceFuzz.js';

const SECONDS = fuzzSeconds(20);
/** growth of the service's resident memory over the campaign (PGlite's store and caches included) */
const RSS_GROWTH_MB = 300;

describe('the service under fuzz', () => {
  it(`answers ${SECONDS} s of hostile requests with 2xx-4xx only, in time, without errors, in bounded memory`, { timeout: SECONDS * 1000 + 180_000 }, async () => {
    const f = await fuzzService({ seconds: SECONDS, concurrency: 6 });
    const file = writeFuzzResults('fuzz-service', { ...f });
    console.log(`fuzz: ${f.requests} requests in ${f.seconds} s (seed ${f.seed}), statuses ${JSON.stringify(f.statuses)}, slowest ${f.slowestMs} ms, RSS ${JSON.stringify(f.rssMb)} MiB${file ? `; ${file}` : ''}`);
    expect(f.failures).toEqual([]);
    expect(f.errorLines).toEqual([]);
    expect(f.requests).toBeGreaterThan(SECONDS * 5);
    expect(f.rssMb.peak - f.rssMb.afterSetup).toBeLessThan(RSS_GROWTH_MB);
  });
});
