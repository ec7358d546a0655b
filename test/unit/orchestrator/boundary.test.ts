/**
 * The orchestrator's boundary: everything under src/orchestrator imports only src/common or src/orchestrator
 * (relative paths, no package, no node: module), so the agent and the service can both host it; and no file of
 * src/orchestrator or src/common/expressions takes part in an import cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..', '..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Module specifiers of a file's imports and re-exports (type-only ones included: they are part of the design). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

const resolveTs = (from: string, spec: string) => resolve(dirname(from), spec).replace(/\.js$/, '.ts');

describe('src/orchestrator', () => {
  it('imports only src/common and itself', () => {
    const bad: string[] = [];
    for (const f of files(join(SRC, 'orchestrator'))) {
      for (const spec of importsOf(f)) {
        const target = spec.startsWith('.') ? relative(SRC, resolveTs(f, spec)) : spec;
        if (!/^(common|orchestrator)\//.test(target)) bad.push(`${relative(ROOT, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycle (nor does src/common/expressions)', () => {
    const graph = new Map<string, string[]>();
    const add = (f: string) => {
      if (graph.has(f)) return;
      const deps = importsOf(f).filter((s) => s.startsWith('.')).map((s) => resolveTs(f, s));
      graph.set(f, deps);
      for (const d of deps) if (d.startsWith(SRC)) add(d);
    };
    for (const f of [...files(join(SRC, 'orchestrator')), ...files(join(SRC, 'common', 'expressions'))]) add(f);
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 2) return;
      if (state.get(f) === 1) {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(SRC, x)).join(' → '));
        return;
      }
      state.set(f, 1);
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 2);
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
