/**
 * Check: every expression in a pipeline (nested activities included), dataset and linked service, before anything
 * runs. Syntax, unknown and unsupported functions and wrong argument counts are reported at the function's own
 * line:col inside the string; so are names that do not resolve: `activity('X')` (X must be an activity that ends
 * before this one — one it depends on, directly or through others, or one its containers depend on), `variables('v')`
 * (declared), `pipeline().parameters.p`, `dataset().p`, `linkedService().p` (declared), and item() outside a
 * ForEach or a Filter's condition. SetVariable/AppendVariable must name a declared variable, and a SetVariable may not
 * read the variable it sets (ADF refuses that).
 */
import type { Problem } from '../errors.js';
import { formatJsonPath } from '../jsonDocument.js';
import { analyzeTemplate, type Analysis, type NameRef } from '../expressions/analyze.js';
import { activitiesOf, ACTIVITY_LIST_KEYS, type ActivityAt, type JsonPath } from '../model/activities.js';
import { nameKey, type Factory } from '../model/factory.js';
import type { Activity, Pipeline, Resource } from '../model/types.js';
import { closest } from './suggest.js';
import { ALL_FUNCTIONS } from '../expressions/functions/index.js';
import { asText } from './asText.js';

interface Found {
  path: JsonPath;
  text: string;
  analysis: Analysis;
}

/** Every string inside `v` (skipping `skip` keys at the top), analysed. */
function strings(v: unknown, path: JsonPath, skip: Set<string> = new Set()): Found[] {
  const out: Found[] = [];
  const walk = (x: unknown, p: JsonPath, top: boolean) => {
    if (typeof x === 'string') {
      const analysis = analyzeTemplate(x);
      if (analysis.expression) out.push({ path: p, text: x, analysis });
    } else if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, i], false));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) if (!(top && skip.has(k))) walk(y, [...p, k], false);
  };
  walk(v, path, true);
  return out;
}

/** Position of character `offset` of the decoded string at `path`: the raw text is walked, escapes counted. */
function placeIn(r: Resource, path: JsonPath, offset: number): Problem['place'] {
  const field = formatJsonPath(path);
  const doc = r.doc;
  const node = doc?.nodeAt(path);
  if (!doc || !node || node.type !== 'string') return doc ? { ...doc.placeOf(path), field } : { file: r.file, field };
  const raw = doc.text.slice(node.offset, node.offset + node.length);
  let i = 1;
  for (let decoded = 0; decoded < offset && i < raw.length - 1; decoded++) {
    if (raw[i] === '\\') i += raw[i + 1] === 'u' ? 6 : 2;
    else i++;
  }
  return { file: doc.path, ...doc.positionAt(node.offset + i), field };
}

const SYSTEM_HINT = 'see docs/EXPRESSIONS.md for the functions the gateway runs';
const FUNCTION_NAMES = ALL_FUNCTIONS.filter((f) => !f.unsupported).map((f) => f.name);

/** The problems of one analysed string: its own issues, and names that do not resolve (via `names`). */
function issuesOf(r: Resource, f: Found, names: (kind: keyof Analysis['refs'], ref: NameRef) => { message: string; hint: string; code?: string } | undefined): Problem[] {
  const out: Problem[] = [];
  for (const i of f.analysis.issues) {
    const suggestion = i.name ? closest(i.name, FUNCTION_NAMES) : undefined;
    const hint = i.code === 'EXPRESSION_SYNTAX' ? "strings are in single quotes, calls need parentheses: @concat(pipeline().parameters.a, '-x')" : suggestion ? `did you mean ${suggestion}()?` : SYSTEM_HINT;
    out.push({ severity: 'error', code: i.code, message: `${placeIn(r, f.path, 0).field}: ${i.message}`, hint, place: placeIn(r, f.path, i.offset) });
  }
  for (const kind of Object.keys(f.analysis.refs) as Array<keyof Analysis['refs']>) {
    for (const ref of f.analysis.refs[kind]) {
      const bad = names(kind, ref);
      if (bad) out.push({ severity: 'error', code: bad.code ?? 'EXPRESSION_REFERENCE', message: `${placeIn(r, f.path, 0).field}: ${bad.message}`, hint: bad.hint, place: placeIn(r, f.path, ref.offset) });
    }
  }
  return out;
}

const has = (names: string[], n: string) => names.some((x) => nameKey(x) === nameKey(n));
const declared = (o: unknown): string[] => (o && typeof o === 'object' && !Array.isArray(o) ? Object.keys(o) : []);

/** Names of the activities that end before `at` runs and that it may read. */
function upstream(at: ActivityAt): Set<string> {
  const out = new Set<string>();
  const climb = (a: Activity, siblings: Activity[]) => {
    // the file may hold anything here (schema problems are reported on their own): only a list is followed
    for (const d of Array.isArray(a.dependsOn) ? a.dependsOn : []) {
      const key = nameKey(asText(d?.activity ?? ''));
      if (out.has(key)) continue;
      const dep = siblings.find((s) => nameKey(asText(s.name)) === key);
      if (!dep) continue;
      out.add(key);
      climb(dep, siblings);
    }
  };
  climb(at.activity, at.siblings);
  for (const c of at.containers) climb(c.activity, c.siblings);
  return out;
}

function activitiesBelow(a: Activity): Activity[] {
  return activitiesOf({ properties: { activities: [a] } } as Pipeline).slice(1).map((x) => x.activity);
}

const usesItem = (at: ActivityAt, path: JsonPath) =>
  at.containers.some((c) => asText(c.activity.type).toLowerCase() === 'foreach') || (asText(at.activity.type).toLowerCase() === 'filter' && path[at.path.length] === 'typeProperties' && path[at.path.length + 1] === 'condition');

export function checkPipelineExpressions(f: Factory, p: Pipeline): Problem[] {
  const out: Problem[] = [];
  const all = activitiesOf(p);
  const allNames = all.map((x) => asText(x.activity.name ?? ''));
  const variables = declared(p.properties.variables);
  const parameters = declared(p.properties.parameters);
  void f;
  for (const at of all) {
    const a = at.activity;
    const type = asText(a.type ?? '').toLowerCase();
    const skip = new Set(['name', 'type', 'description', 'dependsOn', 'state', 'onInactiveMarkAs']);
    const found = strings(a, at.path, skip).filter((x) => {
      // the activities inside a container are checked as activities of their own
      const rel = x.path.slice(at.path.length);
      return !(rel[0] === 'typeProperties' && typeof rel[1] === 'string' && ACTIVITY_LIST_KEYS.has(rel[1]) && !(type === 'switch' && rel[1] === 'cases' && rel[3] === 'value'));
    });
    const before = upstream(at);
    const untilInner = type === 'until' ? new Set(activitiesBelow(a).map((x) => nameKey(asText(x.name)))) : new Set<string>();
    for (const x of found) {
      out.push(
        ...issuesOf(p, x, (kind, ref) => {
          switch (kind) {
            case 'activities':
              if (!has(allNames, ref.name)) return { code: 'REF_NOT_FOUND', message: `activity('${ref.name}'): there is no activity "${ref.name}" in this pipeline`, hint: closest(ref.name, allNames) ? `did you mean "${closest(ref.name, allNames)}"?` : `activities: ${allNames.join(', ')}` };
              if (before.has(nameKey(ref.name)) || untilInner.has(nameKey(ref.name))) return undefined;
              {
                // an activity inside a container is read only inside it (the container's runs are its own)
                const target = all.find((x) => nameKey(asText(x.activity.name)) === nameKey(ref.name))!;
                const outer = target.containers.find((c) => !at.containers.includes(c) && c !== at);
                if (outer) return { message: `activity('${ref.name}'): "${ref.name}" runs inside ${asText(outer.activity.type)} "${asText(outer.activity.name)}", so its output cannot be read from ${asText(a.name)}`, hint: 'read it inside that container, or pass it out through a variable (SetVariable inside, variables() after)' };
              }
              return { message: `activity('${ref.name}'): "${ref.name}" has not ended when ${asText(a.name)} runs, so its output cannot be read there`, hint: `add a dependsOn from ${asText(a.name)} (or from its container) to "${ref.name}"` };
            case 'variables':
              return has(variables, ref.name) ? undefined : { code: 'REF_NOT_FOUND', message: `variables('${ref.name}'): the pipeline declares no variable "${ref.name}"`, hint: closest(ref.name, variables) ? `did you mean "${closest(ref.name, variables)}"?` : `declare it: "variables": { "${ref.name}": { "type": "String" } }` };
            case 'parameters':
              return has(parameters, ref.name) ? undefined : { code: 'REF_NOT_FOUND', message: `pipeline().parameters.${ref.name}: the pipeline declares no parameter "${ref.name}"`, hint: closest(ref.name, parameters) ? `did you mean "${closest(ref.name, parameters)}"?` : `declare it under properties.parameters` };
            case 'items':
              return usesItem(at, x.path) ? undefined : { message: 'item() is only available inside a ForEach (its activities) or in a Filter\'s condition', hint: 'read a ForEach\'s current item there, or use a parameter or variable here' };
            case 'datasetParameters':
            case 'linkedServiceParameters':
              return { message: `${kind === 'datasetParameters' ? 'dataset()' : 'linkedService()'} is only available in that resource's own file`, hint: 'pass the value as a parameter of the reference instead' };
          }
        }),
      );
    }
    if (type === 'setvariable' || type === 'appendvariable') out.push(...variableProblems(p, at, variables, found));
  }
  return out;
}

function variableProblems(p: Pipeline, at: ActivityAt, variables: string[], found: Found[]): Problem[] {
  const tp = (at.activity.typeProperties ?? {}) as Record<string, unknown>;
  const name = tp.variableName;
  if (typeof name !== 'string' || !name) return [];
  const path = [...at.path, 'typeProperties', 'variableName'];
  const field = placeIn(p, path, 0).field;
  if (asText(at.activity.type).toLowerCase() === 'setvariable' && nameKey(name) === 'pipelinereturnvalue' && !has(variables, name)) return [];
  if (!has(variables, name)) return [{ severity: 'error', code: 'REF_NOT_FOUND', message: `${field}: the pipeline declares no variable "${name}"`, hint: closest(name, variables) ? `did you mean "${closest(name, variables)}"?` : `declare it: "variables": { "${name}": { "type": "String" } }`, place: p.doc ? { ...p.doc.placeOf(path), field } : { file: p.file, field } }];
  const self = found.find((x) => x.path[at.path.length + 1] === 'value' && x.analysis.refs.variables.some((v) => nameKey(v.name) === nameKey(name)));
  if (self && asText(at.activity.type).toLowerCase() === 'setvariable') {
    const ref = self.analysis.refs.variables.find((v) => nameKey(v.name) === nameKey(name))!;
    return [{ severity: 'error', code: 'EXPRESSION_SELF_REFERENCE', message: `${placeIn(p, self.path, 0).field}: SetVariable ${asText(at.activity.name)} reads variable "${name}", the one it sets`, hint: 'ADF refuses that: set a second variable first, then copy it over', place: placeIn(p, self.path, ref.offset) }];
  }
  return [];
}

/** A dataset's or linked service's expressions: functions, and dataset()/linkedService() naming declared parameters. */
function resourceExpressions(r: Resource, own: 'datasetParameters' | 'linkedServiceParameters', parameters: string[], values: Array<[JsonPath, unknown]>): Problem[] {
  const what = own === 'datasetParameters' ? 'dataset()' : 'linkedService()';
  const out: Problem[] = [];
  for (const [path, v] of values) {
    for (const x of strings(v, path, new Set(['encryptedCredential']))) {
      out.push(
        ...issuesOf(r, x, (kind, ref) => {
          if (kind === own) return has(parameters, ref.name) ? undefined : { code: 'REF_NOT_FOUND', message: `${what}.${ref.name}: no parameter "${ref.name}" is declared here`, hint: closest(ref.name, parameters) ? `did you mean "${closest(ref.name, parameters)}"?` : 'declare it under properties.parameters' };
          if (kind === 'parameters') return undefined;
          return { message: `${kind === 'activities' ? 'activity()' : kind === 'variables' ? 'variables()' : kind === 'items' ? 'item()' : kind === 'datasetParameters' ? 'dataset()' : 'linkedService()'} cannot be used here`, hint: 'a pipeline passes such values in through parameters' };
        }),
      );
    }
  }
  return out;
}

export function checkExpressions(f: Factory): Problem[] {
  const out: Problem[] = [];
  for (const p of f.pipelines.values()) out.push(...checkPipelineExpressions(f, p));
  for (const d of f.datasets.values()) out.push(...resourceExpressions(d, 'datasetParameters', declared(d.properties.parameters), [[['properties', 'typeProperties'], d.properties.typeProperties], [['properties', 'linkedServiceName', 'parameters'], d.properties.linkedServiceName?.parameters]]));
  for (const l of f.linkedServices.values()) out.push(...resourceExpressions(l, 'linkedServiceParameters', declared(l.properties.parameters), [[['properties', 'typeProperties'], l.properties.typeProperties]]));
  return out;
}
