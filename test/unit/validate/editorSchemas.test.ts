// The editor's copies of the schemas (scripts/editorSchemas.mjs): VS Code's JSON language service must find nothing
// to reject in them (the problems are the extension's, as `dmgw validate` words them), and must still offer every
// value and template the real schemas offer. Checked with a plain draft-07 validator over the whole broken corpus.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'jsonc-parser';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script, without types
import { lenient } from '../../../scripts/editorSchemas.mjs';

const ROOT = resolve(__dirname, '..', '..', '..');
const SCHEMAS = readdirSync(join(ROOT, 'schemas')).filter((f) => f.endsWith('.schema.json'));
const real = Object.fromEntries(SCHEMAS.map((f) => [f, JSON.parse(readFileSync(join(ROOT, 'schemas', f), 'utf8'))]));
const editor = Object.fromEntries(SCHEMAS.map((f) => [f, (lenient as (s: unknown) => Record<string, unknown>)(real[f])]));

function* strings(node: unknown, key = ''): Generator<[string, unknown]> {
  if (Array.isArray(node)) for (const x of node) yield* strings(x, key);
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) yield* strings(v, k);
  else yield [key, node];
}

/** Every resource file of the corpus (broken and valid), with its kind's schema file. */
function corpus(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) {
        const kind = /[\\/](linkedService|dataset|pipeline|integrationRuntime)[\\/][^\\/]+$/.exec(p)?.[1];
        if (kind) out.push([p, `${kind}.schema.json`]);
      }
    }
  };
  walk(join(ROOT, 'test/fixtures'));
  return out;
}

describe('the editor schemas', () => {
  it('reject nothing in the broken corpus, where the real ones reject much', () => {
    const strictAjv = new Ajv({ strict: false, allErrors: true });
    const lenientAjv = new Ajv({ strict: false, allErrors: true });
    for (const f of SCHEMAS) {
      strictAjv.addSchema(real[f]);
      lenientAjv.addSchema(editor[f]);
    }
    let realRejected = 0;
    const files = corpus();
    expect(files.length).toBeGreaterThan(100);
    for (const [file, schema] of files) {
      const value = parse(readFileSync(file, 'utf8'));
      if (value === undefined) continue;
      if (!strictAjv.validate(schema, value)) realRejected++;
      expect(lenientAjv.validate(schema, value), `${file}: ${JSON.stringify(lenientAjv.errors)}`).toBe(true);
    }
    expect(realRejected).toBeGreaterThan(20);
  });

  it('still offer every value of every enum and const, with its description, and every template', () => {
    for (const f of SCHEMAS) {
      const offered = new Set([...strings(editor[f])].filter(([k]) => k === 'body' || k === 'label').map(([, v]) => JSON.stringify(v)));
      const walk = (n: unknown, inIf = false): void => {
        if (Array.isArray(n)) return n.forEach((x) => walk(x, inIf));
        if (!n || typeof n !== 'object') return;
        const o = n as Record<string, unknown>;
        if (!inIf) for (const v of [...((o.enum as unknown[]) ?? []), ...('const' in o ? [o.const] : [])]) expect(offered.has(JSON.stringify(v)), `${f}: ${JSON.stringify(v)}`).toBe(true);
        for (const [k, v] of Object.entries(o)) if (!['enum', 'const', 'defaultSnippets', 'examples', 'default', 'x-hints'].includes(k)) walk(v, inIf || k === 'if');
      };
      walk(real[f]);
      const descriptions = [...strings(real[f])].filter(([k]) => k === 'markdownEnumDescriptions').length;
      expect([...strings(editor[f])].filter(([k]) => k === 'markdownDescription').length).toBeGreaterThanOrEqual(descriptions);
    }
    const ls = editor['linkedService.schema.json'] as { definitions: { linkedService: { properties: { type: { defaultSnippets: Array<{ label: string; markdownDescription?: string }> } } } } };
    expect(ls.definitions.linkedService.properties.type.defaultSnippets.find((s) => s.label === 'AzureStorage')?.markdownDescription).toMatch(/older name of Azure Blob Storage/);
  });
});
