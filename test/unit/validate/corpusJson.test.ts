/**
 * The broken-factory corpus through `main` in-process with --json: the same problems as expected.txt, and each
 * position checked against the file independently of the validator: it must be the node the problem's field names
 * (for a property, its key).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { findNodeAtLocation, parseTree, type JSONPath } from 'jsonc-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/agent/cli.js';
import { formatProblem, type Problem } from '../../../src/common/errors.js';
import type { JsonProblem } from '../../../src/agent/commands/validate.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const BROKEN = join(ROOT, 'test', 'fixtures', 'broken');
const cases = readdirSync(BROKEN).filter((d) => existsSync(join(BROKEN, d, 'expected.txt'))).sort();

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.text += chunk.toString('utf8');
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function validateJson(dir: string): Promise<{ code: number; problems: JsonProblem[] }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['validate', dir, '--json'], { stdout, stderr, stdin: process.stdin, env: {}, cwd: ROOT });
  return { code, problems: JSON.parse(stdout.text) as JsonProblem[] };
}

/** `properties.activities[0].name` → ['properties', 'activities', 0, 'name'] */
function fieldPath(field: string): JSONPath {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

let positionsChecked = 0;

describe('dmgw validate --json on the broken-factory corpus', () => {
  afterAll(() => {
    // the position check above must not pass by skipping everything
    expect(positionsChecked).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', async (c) => {
    const dir = join(BROKEN, c);
    const { code, problems } = await validateJson(dir);
    // expected.txt is written from inside the case folder; here paths are relative to the repository root
    const prefix = relative(process.cwd(), dir);
    const expected = readFileSync(join(dir, 'expected.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (l.startsWith('error: ') ? l.replace('folder "."', `folder "${prefix}"`) : `${prefix}/${l}`))
      .map((l) => l.replace(/(defined in |dmgw encrypt )(\S+\.json)/g, `$1${prefix}/$2`));
    const asText = problems.map((p) => formatProblem({ severity: p.severity, code: p.code, message: p.message, hint: p.hint, place: { file: p.file, line: p.line, column: p.column } } as Problem));
    expect(asText).toEqual(expected);
    expect(code).toBe(problems.some((p) => p.severity === 'error') ? 1 : 0);
    for (const p of problems) {
      expect(['error', 'warning']).toContain(p.severity);
      expect(p.code).toMatch(/^[A-Z_]+$/);
      expect(p.hint, `${c}: every problem says how to fix it`).toMatch(/\S/);
      if (p.file === undefined) continue;
      expect(p.line).toBeGreaterThan(0);
      expect(p.column).toBeGreaterThan(0);
      if (p.code === 'JSON_SYNTAX' || p.field === undefined) continue;
      const text = readFileSync(join(ROOT, p.file), 'utf8');
      const path = fieldPath(p.field);
      const node = findNodeAtLocation(parseTree(text)!, path);
      const offset = offsetOf(text, p.line!, p.column!);
      const last = path[path.length - 1];
      if (!node) continue; // a missing property points at its parent, whose own key is checked in other cases
      positionsChecked++;
      // a problem inside an expression points at the function or name inside the string value
      if (node.type === 'string' && offset > node.offset && offset < node.offset + node.length) {
        const named = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(offset))?.[0];
        expect(named && p.message.includes(named), `${c}: ${p.file}:${p.line}:${p.column} points at "${named}", which the message names`).toBe(true);
        continue;
      }
      if (typeof last === 'string') expect(text.slice(offset, offset + last.length + 2), `${c}: ${p.file}:${p.line}:${p.column}`).toBe(`"${last}"`);
      else expect(offset, `${c}: ${p.field}`).toBe(node.offset);
    }
  });
});
