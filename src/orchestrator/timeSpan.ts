/** ADF's time spans (`policy.timeout`, Until's `timeout`): `[d.]hh:mm:ss`. */
export function timeSpanMs(t: unknown): number | undefined {
  if (typeof t !== 'string' || !t.trim()) return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(t.trim());
  if (!m) return undefined;
  const ms = (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
  return ms + Math.round(Number(`0.${m[5] ?? '0'}`) * 1000);
}
