/**
 * A JSON value as text for names and messages, whatever a file holds: `String()` throws on an object whose
 * `toString` is not a function (`{"toString": null}`, found by the validator's fuzz test), this never does.
 */
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v) ?? '';
    } catch {
      return '[object]';
    }
  }
  return String(v);
}
