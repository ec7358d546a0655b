/** docs/EXPRESSIONS.md's table is the function table: every function listed once, with its argument counts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_FUNCTIONS } from '../../../../src/common/expressions/functions/index.js';

const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'EXPRESSIONS.md'), 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => /^\| (string|collection|logical|conversion|math|date|system) \|/.test(l))
  .map((l) => l.split('|').map((c) => c.trim()))
  .map((c) => ({ group: c[1]!, names: c[2]!.split(',').map((n) => n.trim()), args: c[3]! }));

describe('docs/EXPRESSIONS.md', () => {
  it('lists every function of the table exactly once, in its group, with its argument counts', () => {
    const listed = rows.flatMap((r) => r.names.map((n) => ({ ...r, name: n })));
    expect(listed.map((l) => l.name).sort()).toEqual(ALL_FUNCTIONS.map((f) => f.name).sort());
    for (const f of ALL_FUNCTIONS) {
      const row = listed.find((l) => l.name === f.name)!;
      expect(row.group, f.name).toBe(f.group);
      const counts = row.args.split(',').map((s) => s.trim());
      const mine = f.min === f.max ? String(f.min) : `${f.min}–${f.max === Infinity ? '∞' : f.max}`;
      expect(counts, f.name).toContain(mine);
      if (f.unsupported) expect(doc, f.name).toMatch(new RegExp(`${f.name}[^|]*\\|[^|]*\\| \\*\\*not supported\\*\\*`));
    }
  });
});
