/**
 * Errors are values: a stable code, a message that says what is wrong and how to fix it,
 * and the place (file:line:col, field). The CLI prints `formatProblem`, never a stack, for these.
 */
export interface Place {
  file?: string;
  /** 1-based */
  line?: number;
  /** 1-based */
  column?: number;
  /** JSON path or field name, e.g. `properties.typeProperties.connectionString` */
  field?: string;
}

export type Severity = 'error' | 'warning';

export class DmgwError extends Error {
  override readonly name = 'DmgwError';
  constructor(
    readonly code: string,
    message: string,
    readonly place: Place = {},
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDmgwError(e: unknown): e is DmgwError {
  return e instanceof DmgwError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'DmgwError');
}

/** `file:line:col: message (hint)` — the compiler-style line editors and terminals understand. */
export function formatPlace(place: Place): string {
  if (!place.file) return place.field ? `${place.field}: ` : '';
  const pos = place.line ? `:${place.line}:${place.column ?? 1}` : '';
  return `${place.file}${pos}: `;
}

export function formatError(e: DmgwError): string {
  return `${formatPlace(e.place)}${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
}

/** A finding about user input (a factory file, a connection string): reported, not thrown. */
export interface Problem {
  severity: Severity;
  code: string;
  message: string;
  hint?: string;
  place: Place;
}

/** `path:line:col: severity: message — hint` */
export function formatProblem(p: Problem): string {
  return `${formatPlace(p.place)}${p.severity}: ${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
}

export function problemFromError(e: DmgwError, severity: Severity = 'error'): Problem {
  return { severity, code: e.code, message: e.message, hint: e.hint, place: e.place };
}
