/**
 * "Did you mean ...?" — the closest of a set of allowed words to what the user typed. Case differences count
 * as nothing (ADF's `PostgreSQL` vs `PostgreSql` is the commonest typo), the rest by edit distance, and only
 * close enough words are suggested: a wild guess is worse than none.
 */

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** How far off a word may be to still be called a typo of a word of this length. */
function tolerance(word: string): number {
  return Math.max(1, Math.floor(word.length / 4));
}

/** The closest candidate, or undefined when none is close enough. Ties go to the earlier candidate. */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  const v = value.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(v, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best === undefined) return undefined;
  const lb = best.toLowerCase();
  // a shared stem ("Postgres" → "PostgreSql") is as good as a small typo
  const stem = lb.startsWith(v) && v.length >= 5 ? 0 : Infinity;
  return Math.min(bestD, stem) <= tolerance(best) ? best : undefined;
}

/** `"a", "b" or "c"` */
export function listOf(values: readonly string[], conjunction = 'or'): string {
  const q = values.map((v) => `"${v}"`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} ${conjunction} ${q[q.length - 1]}`;
}
