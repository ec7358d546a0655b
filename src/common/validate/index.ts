/**
 * `validateFactory`: every check of a loaded factory, in one list of problems sorted by file and position.
 * Shared by `dmgw validate` and the VS Code extension (which loads unsaved buffers with `addDocument`).
 * The checks, one per file: schema (each file against `schemas/`), names, references, dependencies, copyFit,
 * copySettings, expressions, secrets.
 */
import type { Problem } from '../errors.js';
import type { Factory } from '../model/factory.js';
import { checkCopyFit } from './copyFit.js';
import { checkDependencies } from './dependencies.js';
import { checkExpressions } from './expressionCheck.js';
import { checkNames } from './names.js';
import { checkReferences } from './references.js';
import { checkSchemas } from './schemaCheck.js';
import { checkSecrets } from './secrets.js';
import { checkCopySettings } from './copySettings.js';

export function validateFactory(factory: Factory): Problem[] {
  const problems = [...factory.problems, ...checkSchemas(factory), ...checkNames(factory), ...checkReferences(factory), ...checkDependencies(factory), ...checkCopyFit(factory), ...checkCopySettings(factory), ...checkExpressions(factory), ...checkSecrets(factory)];
  return sortProblems(problems);
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** By file, line, column; problems without a position first; otherwise in the order found. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const fa = a.p.place.file ?? '';
      const fb = b.p.place.file ?? '';
      if (fa !== fb) return fa < fb ? -1 : 1;
      return (a.p.place.line ?? 0) - (b.p.place.line ?? 0) || (a.p.place.column ?? 0) - (b.p.place.column ?? 0) || a.i - b.i;
    })
    .map((x) => x.p);
}
