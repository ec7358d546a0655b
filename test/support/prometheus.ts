/**
 * Reading a Prometheus scrape in tests, strictly, with a parser of our own (not the library that wrote it): every line
 * must be a comment (`# HELP`/`# TYPE` well formed) or a sample in the text exposition format 0.0.4 — metric name,
 * label set with escaped values, a float, an optional timestamp — read character by character; every sample must
 * belong to a family typed before it; histograms must have cumulative buckets ending in +Inf equal to their count,
 * and a `_sum`. `value(families, name, labels)` finds one sample.
 */

export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Checks one sample line character by character; throws naming the line. */
function checkSample(line: string, n: number): { name: string; labels: Record<string, string>; value: string } {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`line ${n}: ${why}: ${line}`);
  };
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) fail('not a metric name');
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const start = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i]!)) i++;
      const label = line.slice(start, i);
      if (!LABEL.test(label)) fail('not a label name');
      if (line[i++] !== '=' || line[i++] !== '"') fail('a label needs ="value"');
      let value = '';
      for (;;) {
        if (i >= line.length) fail('unterminated label value');
        const c = line[i++]!;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else fail(`bad escape \\${e}`);
        } else value += c;
      }
      if (label in labels) fail(`label ${label} twice`);
      labels[label] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected , or }');
    }
    i++;
  }
  if (line[i++] !== ' ') fail('expected one space before the value');
  const rest = line.slice(i).split(' ');
  if (rest.length > 2) fail('too many fields');
  if (!/^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?Inf|NaN)$/.test(rest[0]!)) fail(`"${rest[0]}" is not a float`);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) fail('the timestamp is not an integer');
  return { name, labels, value: rest[0]! };
}

export function parseExposition(text: string): Family[] {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const series = new Map<string, Family['metrics'][number]>();
  text.split('\n').forEach((line, idx) => {
    const n = idx + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`line ${n}: malformed ${line}`);
        return;
      }
      const f = families.get(m[2]!) ?? { name: m[2]!, help: '', type: 'UNTYPED' as const, metrics: [] };
      families.set(m[2]!, f);
      if (m[1] === 'HELP') f.help = m[3]!;
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]!)) throw new Error(`line ${n}: unknown type ${m[3]}`);
        if (f.metrics.length || f.type !== 'UNTYPED') throw new Error(`line ${n}: ${m[2]} typed twice or after its samples`);
        f.type = m[3]!.toUpperCase() as Family['type'];
      }
      return;
    }
    const s = checkSample(line, n);
    const f = [...families.values()].find((x) => s.name === x.name || (x.type === 'HISTOGRAM' && [`${x.name}_bucket`, `${x.name}_sum`, `${x.name}_count`].includes(s.name)));
    if (!f || f.type === 'UNTYPED') throw new Error(`line ${n}: sample ${s.name} has no # TYPE before it`);
    if (f.type !== 'HISTOGRAM') {
      const key = `${f.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
      if (series.has(key)) throw new Error(`line ${n}: ${s.name} with these labels twice`);
      const m = { value: s.value, labels: s.labels };
      series.set(key, m);
      f.metrics.push(m);
      return;
    }
    const { le, ...labels } = s.labels;
    const key = `${f.name}${JSON.stringify(Object.entries(labels).sort())}`;
    let m = series.get(key);
    if (!m) {
      m = { labels, buckets: {} };
      series.set(key, m);
      f.metrics.push(m);
    }
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`line ${n}: a bucket without le`);
      m.buckets![le] = s.value;
    } else if (le !== undefined) throw new Error(`line ${n}: le on ${s.name}`);
    else if (s.name.endsWith('_sum')) m.sum = s.value;
    else m.count = s.value;
  });
  for (const f of families.values()) {
    if (f.type !== 'HISTOGRAM') continue;
    for (const m of f.metrics) {
      const b = Object.entries(m.buckets ?? {}).map(([le, v]) => [le === '+Inf' ? Infinity : Number(le), Number(v)] as const).sort((x, y) => x[0] - y[0]);
      if (b.at(-1)?.[0] !== Infinity) throw new Error(`${f.name}: no +Inf bucket`);
      for (let k = 1; k < b.length; k++) if (b[k]![1] < b[k - 1]![1]) throw new Error(`${f.name}: buckets are not cumulative`);
      if (m.count === undefined || m.sum === undefined) throw new Error(`${f.name}: no _count or _sum`);
      if (b.at(-1)![1] !== Number(m.count)) throw new Error(`${f.name}: +Inf bucket ${b.at(-1)![1]} differs from count ${m.count}`);
    }
  }
  return [...families.values()];
}

export function family(families: Family[], name: string): Family {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no metric ${name} in the scrape (has: ${families.map((x) => x.name).join(', ')})`);
  return f;
}

/** The one sample of `name` whose labels include `labels`; its value as a number (histograms: their count and sum). */
export function sample(families: Family[], name: string, labels: Record<string, string> = {}): Family['metrics'][number] {
  const matches = family(families, name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]!;
}

export function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
  return Number(sample(families, name, labels).value);
}

/** Whether a sample of `name` with these labels has value `v` (false when there is none yet: for waiting on). */
export function holds(families: Family[], name: string, labels: Record<string, string>, v: number): boolean {
  return families.some((f) => f.name === name && f.metrics.some((m) => Object.entries(labels).every(([k, x]) => m.labels?.[k] === x) && Number(m.value) === v));
}
