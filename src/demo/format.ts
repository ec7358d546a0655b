/** Number formatting for the demo's and the benchmarks' output. */

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Decimal megabytes (as disks and throughput figures are usually quoted). */
export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
