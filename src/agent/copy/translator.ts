/**
 * Column mapping (ADF `TabularTranslator`): `mappings: [{ source: { name | ordinal }, sink: { name } }]`, or
 * the older `columnMappings: "a: x, b: y"`. Without a translator columns pass through unchanged.
 * A mapping is planned once from the source columns, then applied to every row as an index pick.
 */
import { DmgwError } from '../../common/errors.js';
import type { Column, Row } from './rows.js';

export interface ColumnMapping {
  source: { name?: string; ordinal?: number; type?: string };
  sink: { name?: string; type?: string };
}

export interface MappingPlan {
  columns: Column[];
  /** source index for each output column */
  pick: number[];
}

const FIELD = 'typeProperties.translator';

/** The translator's mappings, or undefined when columns pass through. */
export function mappingsOf(translator: unknown): ColumnMapping[] | undefined {
  if (!translator || typeof translator !== 'object') return undefined;
  const t = translator as { type?: string; mappings?: unknown; columnMappings?: unknown };
  if (Array.isArray(t.mappings) && t.mappings.length) return t.mappings as ColumnMapping[];
  if (typeof t.columnMappings === 'string' && t.columnMappings.trim()) {
    return t.columnMappings.split(',').map((pair) => {
      const [s, k] = pair.split(':').map((x) => x.trim());
      if (!s || !k) throw new DmgwError('TRANSLATOR', `columnMappings entry "${pair.trim()}" is not "source: sink"`, { field: `${FIELD}.columnMappings` }, 'write "a: x, b: y"');
      return { source: { name: s }, sink: { name: k } };
    });
  }
  return undefined;
}

function findColumn(columns: Column[], name: string): number {
  const exact = columns.findIndex((c) => c.name === name);
  return exact >= 0 ? exact : columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
}

export function planMapping(mappings: ColumnMapping[], source: Column[]): MappingPlan {
  const columns: Column[] = [];
  const pick: number[] = [];
  mappings.forEach((m, i) => {
    let idx: number;
    if (m.source?.name !== undefined) {
      idx = findColumn(source, m.source.name);
      if (idx < 0) throw new DmgwError('TRANSLATOR', `mapping ${i + 1}: source column "${m.source.name}" does not exist (the source has ${source.map((c) => c.name).join(', ') || 'no columns'})`, { field: `${FIELD}.mappings[${i}].source.name` }, 'fix the name, or map by "ordinal" for files without a header');
    } else if (typeof m.source?.ordinal === 'number') {
      idx = m.source.ordinal - 1;
      if (idx < 0 || idx >= source.length) throw new DmgwError('TRANSLATOR', `mapping ${i + 1}: source ordinal ${m.source.ordinal} is outside 1..${source.length}`, { field: `${FIELD}.mappings[${i}].source.ordinal` }, 'ordinals start at 1');
    } else {
      throw new DmgwError('TRANSLATOR', `mapping ${i + 1} has no source name or ordinal`, { field: `${FIELD}.mappings[${i}].source` }, 'write { "source": { "name": "col" }, "sink": { "name": "col" } }');
    }
    const src = source[idx]!;
    // the source column as it is (its precision and scale too: a mapped decimal stays a decimal), renamed
    columns.push({ ...src, name: m.sink?.name ?? src.name });
    pick.push(idx);
  });
  return { columns, pick };
}

export function applyMapping(rows: Row[], pick: number[]): Row[] {
  const out: Row[] = new Array<Row>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const o: Row = new Array(pick.length);
    for (let i = 0; i < pick.length; i++) o[i] = row[pick[i]!] ?? null;
    out[r] = o;
  }
  return out;
}
