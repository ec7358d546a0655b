/**
 * `npm run bench:doc -- <results folder>… [--note TEXT]`: copies a run's results (bench/results/run-<time>/) into
 * docs/benchmarks/results/ and writes docs/BENCHMARKS.md and docs/benchmarks/chart.svg from them (bench/report/).
 * More folders add their <benchmark>.json (e.g. a pg-copy-large run at other --rows); run.json is the first's.
 * With docs/benchmarks/results itself as the folder it only regenerates. `--note` is kept in run.json, so a
 * regeneration keeps it (say there what the numbers should be read with, e.g. that the machine was shared).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeRunReport } from './report/files.js';

function main(): number {
  const { values, positionals } = parseArgs({ options: { note: { type: 'string' } }, allowPositionals: true, strict: true });
  const root = join(__dirname, '..', '..');
  const docs = join(root, 'docs');
  const target = join(docs, 'benchmarks', 'results');
  const from = (positionals.length ? positionals : [target]).map((p) => resolve(p));
  const missing = from.find((f) => !existsSync(f));
  if (missing) {
    process.stderr.write(`bench:doc: no folder ${missing} (give a bench/results/run-<time> folder)\n`);
    return 2;
  }
  if (from.length > 1 && from.includes(resolve(target))) {
    process.stderr.write(`bench:doc: ${target} is where the results are copied to: give it alone (to regenerate) or not at all\n`);
    return 2;
  }
  if (from.length > 1 || from[0] !== resolve(target)) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    from.forEach((dir, i) => {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && (i === 0 || x !== 'run.json'))) copyFileSync(join(dir, f), join(target, f));
    });
  }
  if (values.note !== undefined) {
    const runFile = join(target, 'run.json');
    if (!existsSync(runFile)) throw new Error(`${runFile} is missing: --note needs a run.json`);
    writeFileSync(runFile, `${JSON.stringify({ ...JSON.parse(readFileSync(runFile, 'utf8')), note: values.note }, null, 2)}\n`);
  }
  const out = writeRunReport(target, join(docs, 'benchmarks'), join(docs, 'BENCHMARKS.md'));
  process.stdout.write(`wrote ${out.markdown} and ${out.chart}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`bench:doc: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
