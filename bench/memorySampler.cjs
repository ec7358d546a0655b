/**
 * Preloaded into a measured `dmgw run` (NODE_OPTIONS=--require <this file>) by bench/memory.ts: samples
 * process.memoryUsage() every 20 ms and, at exit, writes to $DMGW_MEMORY_SAMPLES the peak of each field, the
 * split at the moment RSS peaked, and the kernel's high-water mark (VmHWM), so a peak can be attributed to
 * the JavaScript heap, to Buffers (arrayBuffers/external) or to neither (native: zlib, malloc arenas, code).
 * Plain CommonJS on purpose: it runs before the bundle and must not need a build.
 */
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const v8 = require('node:v8');

const out = process.env.DMGW_MEMORY_SAMPLES;
if (out) {
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let atPeakRss = { ...peak };
  let samples = 0;
  let spaces = {};
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    for (const k of Object.keys(peak)) if (m[k] > peak[k]) peak[k] = m[k];
    if (m.rss >= atPeakRss.rss) {
      atPeakRss = { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
      spaces = Object.fromEntries(v8.getHeapSpaceStatistics().filter((s) => s.space_size > 0).map((s) => [s.space_name, s.space_size]));
    }
  };
  const timer = setInterval(sample, 20);
  timer.unref();
  process.on('exit', () => {
    sample();
    let hwm;
    try {
      hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      hwm = 0;
    }
    writeFileSync(out, JSON.stringify({ samples, vmHwm: hwm, peak, atPeakRss, spacesAtPeakRss: spaces }));
  });
}
