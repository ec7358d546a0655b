/**
 * ADF's RunFilterParameters for queryPipelineRuns / queryActivityruns: a required lastUpdated window, filters
 * (operand, operator Equals|NotEquals|In|NotIn, values), orderBy, and a continuation token for pages.
 */
import type { RunFilterBody } from '../../common/model/armBodySchemas.js';
import { badRequest } from '../http/httpError.js';

export interface RunFilter {
  lastUpdatedAfter: Date;
  lastUpdatedBefore: Date;
  filters: Array<{ operand: string; operator: string; values: string[] }>;
  orderBy: Array<{ orderBy: string; order: string }>;
  offset: number;
}

export const PAGE_SIZE = 100;

/** `b` was checked against its schema (common/model/armBodySchemas.ts): the dates parse, filters are well formed. */
export function parseRunFilter(b: RunFilterBody): RunFilter {
  const offset = b.continuationToken ? Number(Buffer.from(b.continuationToken, 'base64url').toString()) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest('continuationToken is not one this service issued', 'BadRequest', 'continuationToken');
  return {
    lastUpdatedAfter: new Date(b.lastUpdatedAfter),
    lastUpdatedBefore: new Date(b.lastUpdatedBefore),
    filters: b.filters ?? [],
    orderBy: b.orderBy ?? [],
    offset,
  };
}

/** Applies filters, order and the page to rows already rendered as ADF JSON; `fields` maps operands to JSON fields. */
export function applyRunFilter(rows: Record<string, unknown>[], f: RunFilter, fields: Record<string, string>): { value: Record<string, unknown>[]; continuationToken?: string } {
  const valueOf = (row: Record<string, unknown>, operand: string): string => {
    const field = fields[operand];
    if (!field) throw badRequest(`filter operand '${operand}' is not supported; use one of ${Object.keys(fields).join(', ')}`, 'BadRequest', 'filters');
    return String(row[field] ?? '');
  };
  let out = rows.filter((row) =>
    f.filters.every((flt) => {
      const v = valueOf(row, flt.operand);
      const vals = flt.values;
      switch (flt.operator) {
        case 'Equals':
        case 'In':
          return vals.includes(v);
        case 'NotEquals':
        case 'NotIn':
          return !vals.includes(v);
        default:
          throw badRequest(`filter operator '${flt.operator}' is not supported; use Equals, NotEquals, In or NotIn`, 'BadRequest', 'filters');
      }
    }),
  );
  for (const o of [...f.orderBy].reverse()) {
    const dir = o.order === 'DESC' ? -1 : 1;
    out = [...out].sort((a, b) => dir * valueOf(a, o.orderBy).localeCompare(valueOf(b, o.orderBy)));
  }
  const page = out.slice(f.offset, f.offset + PAGE_SIZE);
  const next = f.offset + PAGE_SIZE < out.length ? Buffer.from(String(f.offset + PAGE_SIZE)).toString('base64url') : undefined;
  return { value: page, ...(next ? { continuationToken: next } : {}) };
}
