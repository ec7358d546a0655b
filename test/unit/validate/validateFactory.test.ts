/**
 * validateFactory in-process: valid factories give no problem, the editor path (unsaved buffers through
 * addDocument) gives the same problems as loading from disk, and no input, however broken, makes it throw.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonDocument } from '../../../src/common/jsonDocument.js';
import { addDocument, emptyFactory, loadFactory } from '../../../src/common/model/factory.js';
import { hasErrors, validateFactory } from '../../../src/common/validate/index.js';
import { closest, editDistance } from '../../../src/common/validate/suggest.js';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('validateFactory', () => {
  it('finds nothing wrong in any example or valid fixture', () => {
    const dirs = ['examples', join('test', 'fixtures', 'valid')].flatMap((parent) => readdirSync(join(ROOT, parent)).map((d) => join(parent, d)));
    expect(dirs).toEqual(expect.arrayContaining([join('examples', 'walkthrough'), join('test', 'fixtures', 'valid', 'full-featured')]));
    for (const dir of dirs) expect(validateFactory(loadFactory(join(ROOT, dir))), dir).toEqual([]);
  });

  it('gives the same problems for unsaved editor buffers as for files', () => {
    const dir = join(ROOT, 'test', 'fixtures', 'broken', 'source-does-not-fit-dataset');
    const fromDisk = validateFactory(loadFactory(dir));
    const inMemory = emptyFactory(dir);
    for (const doc of loadFactory(dir).files) addDocument(inMemory, doc.kind, new JsonDocument(doc.doc.path, doc.doc.text), doc.stem);
    expect(validateFactory(inMemory)).toEqual(fromDisk);
    expect(fromDisk.map((p) => p.code)).toEqual(['COPY_SOURCE_MISMATCH']);
    // the editor changes the buffer: the problem goes away without touching the file
    const fixed = emptyFactory(dir);
    for (const doc of loadFactory(dir).files) addDocument(fixed, doc.kind, new JsonDocument(doc.doc.path, doc.doc.text.replace('"SqlServerSource"', '"PostgreSqlSource"')), doc.stem);
    expect(validateFactory(fixed)).toEqual([]);
  });

  it('never throws, whatever a file holds, and always points inside the file', () => {
    const base = loadFactory(join(ROOT, 'examples', 'walkthrough'));
    const files = base.files.map((f) => ({ kind: f.kind, stem: f.stem, path: f.doc.path, value: JSON.parse(f.doc.text) as unknown }));
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(fc.nat({ max: files.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), anyJson, (which, steps, replacement) => {
        const f = emptyFactory('mem');
        files.forEach((file, i) => {
          const value = i === which ? replaceAt(structuredClone(file.value), steps, replacement) : file.value;
          addDocument(f, file.kind, new JsonDocument(file.path, JSON.stringify(value, null, 2)), file.stem);
        });
        const problems = validateFactory(f);
        for (const p of problems) {
          expect(p.message.length).toBeGreaterThan(0);
          expect(p.hint, p.message).toBeTruthy();
          if (p.place.line !== undefined) {
            const doc = f.documents.find((d) => d.path === p.place.file)!;
            expect(p.place.line).toBeLessThanOrEqual(doc.text.split('\n').length);
          }
        }
        // a replaced node that breaks the schema must be reported as an error, never only warned about
        if (problems.some((p) => p.code.startsWith('SCHEMA_'))) expect(hasErrors(problems)).toBe(true);
      }),
      // found by runs: a dataset whose type is an object that cannot become a string (`{"toString": ""}`) made the
      // reference check throw a TypeError instead of reporting it; an activity named `{"toString": null}` did the
      // same in the dependency check (CI on Node 22)
      { numRuns: Number(process.env.DMGW_FUZZ_RUNS ?? 300), examples: [[3, [790390389, 0], { toString: '' }], [6, [327650259, 623336415, 0, 0], { toString: null }]] },
    );
  });

  it('accepts comments, as the JSON editor of VS Code does', () => {
    const dir = join(ROOT, 'examples', 'walkthrough');
    const f = emptyFactory(dir);
    for (const file of loadFactory(dir).files) addDocument(f, file.kind, new JsonDocument(file.doc.path, `// exported from ADF\n${readFileSync(join(ROOT, file.doc.path), 'utf8')}`), file.stem);
    expect(validateFactory(f)).toEqual([]);
  });
});

describe('did-you-mean suggestions', () => {
  it('counts edits, with a swap of neighbours as one', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('tabel', 'table')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests close words only', () => {
    const types = ['SqlServerTable', 'PostgreSqlTable', 'PostgreSqlV2Table', 'MySqlTable', 'DelimitedText'];
    expect(closest('PostgreSQLTable', types)).toBe('PostgreSqlTable');
    expect(closest('SqlServerTabel', types)).toBe('SqlServerTable');
    expect(closest('Postgres', ['SqlServer', 'PostgreSql', 'MySql'])).toBe('PostgreSql');
    expect(closest('typeProperty', ['type', 'typeProperties', 'description'])).toBe('typeProperties');
    expect(closest('Oracle', ['SqlServer', 'PostgreSql', 'MySql'])).toBeUndefined();
    expect(closest('host', ['port', 'userId'])).toBeUndefined();
  });
});

/** Walks `steps` into a JSON value (each step picks a child by index) and replaces what it reaches. */
function replaceAt(value: unknown, steps: number[], replacement: unknown): unknown {
  if (!steps.length || !value || typeof value !== 'object') return replacement;
  const keys = Object.keys(value);
  if (!keys.length) return replacement;
  const k = keys[steps[0]! % keys.length]!;
  (value as Record<string, unknown>)[k] = replaceAt((value as Record<string, unknown>)[k], steps.slice(1), replacement);
  return value;
}
