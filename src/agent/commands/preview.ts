/**
 * `dmgw preview`: the first rows of a dataset, read from this machine as the gateway reads them
 * (agent/preview/previewDataset.ts). The VS Code extension's Preview Data runs it with --json.
 */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { PREVIEW_MAX_ROWS, previewDataset, type PreviewResult } from '../preview/previewDataset.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { write, type Command } from './command.js';

const usage = `Usage: dmgw preview DATASET_FILE [--rows N] [--query SQL] [--param NAME=VALUE ...] [--json] [--home DIR]

Reads the first rows of the dataset in DATASET_FILE (<factory>/dataset/<name>.json) from this machine, as a Copy
reads it: its EncryptedCredential decrypted with this gateway's certificate (and only for the server it was
encrypted for), files only inside the folders this gateway allows (fileSystem.allowedRoots).
  --rows N             how many rows (default 100, at most ${PREVIEW_MAX_ROWS})
  --query SQL          a query to run instead of reading the dataset's table (database datasets)
  --param NAME=VALUE   a value for a dataset parameter (repeat for more; the others take their defaults)
  --json               { dataset, columns: [{name, type, nativeType}], rows: [[text|null...]], truncated } on stdout
  --home DIR           gateway home (default DMGW_HOME or ~/.dmgw)
Exit codes: 0 read, 1 could not read (the message says why), 2 usage.`;

export type { PreviewResult };

/** The rows as a text table: at most 40 characters a cell. */
function table(r: PreviewResult): string {
  const cell = (v: string | null) => (v === null ? 'NULL' : v.replace(/[\r\n\t]/g, ' ').slice(0, 40));
  const head = r.columns.map((c) => `${c.name} (${c.nativeType ?? c.type})`);
  const lines = [head, ...r.rows.map((row) => row.map(cell))];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (l: string[]) => l.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('-+-'), ...lines.slice(1).map(fmt)].join('\n');
}

export const previewCommand: Command = {
  name: 'preview',
  summary: "show a dataset's first rows, read from this machine as the gateway reads them",
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { rows: { type: 'string' }, query: { type: 'string' }, param: { type: 'string', multiple: true }, json: { type: 'boolean' }, home: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new DmgwError('USAGE', positionals.length ? `one dataset file, not ${positionals.length}` : 'which dataset? pass its file', {}, usage.split('\n')[0]);
    const rows = values.rows === undefined ? 100 : Number(values.rows);
    if (!(Number.isInteger(rows) && rows > 0 && rows <= PREVIEW_MAX_ROWS)) throw new DmgwError('USAGE', `--rows ${values.rows} is not a whole number from 1 to ${PREVIEW_MAX_ROWS}`);
    const parameters: Record<string, string> = {};
    for (const p of values.param ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new DmgwError('USAGE', `--param ${p} is not NAME=VALUE`, {}, 'write --param name=value');
      parameters[p.slice(0, eq)] = p.slice(eq + 1);
    }
    const home = values.home ?? io.env.DMGW_HOME;
    // a blob store is reached as a worker reaches it: through the gateway's proxy unless NO_PROXY lists it
    await initDataProxy({ home, env: io.env });
    const result = await previewDataset({ datasetFile: positionals[0]!, rows, query: values.query, parameters, home });
    if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else write(io.stdout, `${table(result)}\n(${result.rows.length}${result.truncated ? '+' : ''} row${result.rows.length === 1 && !result.truncated ? '' : 's'} of ${result.dataset} from ${result.linkedService}: ${result.source})`);
    return ExitCode.Ok;
  },
};
