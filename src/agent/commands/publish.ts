/**
 * `dmgw publish DIR`: publishes a factory folder (ADF Git layout) to a factory — our factory service or Azure, through
 * the same ARM client as `dmgw gateway`/`dmgw pipeline` — validated first: a folder with `dmgw validate` errors is
 * refused and nothing is sent (management/upload.ts). Credentials go as the EncryptedCredential the author made.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import type * as Management from '../management/index.js';
import { MANAGEMENT_OPTIONS, MANAGEMENT_USAGE } from '../management/options.js';
import { write, type Command } from './command.js';

const usage = `Usage: dmgw publish DIR --factory NAME [--create-factory [--location L]] [--json]

Publishes the factory folder DIR (ADF Git layout) to the data factory NAME: its integration runtimes, linked services,
datasets and pipelines are created or updated, in that order. The folder is validated first: with any \`dmgw validate\`
error nothing is sent (its warnings are printed). --create-factory makes the factory when it does not exist.

${MANAGEMENT_USAGE}`;

export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish a factory folder to a factory (ours or Azure), validated first',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { ...MANAGEMENT_OPTIONS, 'create-factory': { type: 'boolean' }, location: { type: 'string' } } });
    if (positionals.length !== 1) throw new DmgwError('USAGE', positionals.length ? `one factory folder, not ${positionals.length}` : 'which factory folder? dmgw publish DIR --factory NAME', {}, usage.split('\n')[0]);
    const dir = resolve(io.cwd, positionals[0]!);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DmgwError('USAGE', `${positionals[0]} is not a folder`, { file: positionals[0] }, 'pass the folder that holds linkedService/, dataset/ and pipeline/');
    if (values.location && !values['create-factory']) throw new DmgwError('USAGE', '--location goes with --create-factory', { field: 'location' });
    // loaded here, not at start-up: the Azure SDK is large and only the management verbs need it
    const m: typeof Management = await import('../management/index.js');
    const scope = m.scopeOf(await m.resolveTarget(values, io.env));
    // validated before anything is created, the factory included
    const problems = m.validateFolder(dir);
    const created = values['create-factory'] ? await m.ensureFactory(scope, values.location ?? 'local') : { created: false };
    const r = await m.uploadFactory(scope, dir, problems);
    for (const w of r.warnings) write(io.stderr, `warning: ${w}`);
    if (values.json) write(io.stdout, JSON.stringify({ factory: scope.factory, resourceGroup: scope.resourceGroup, createdFactory: created.created, ...r }, null, 2));
    else {
      const counts = [['gateway', r.integrationRuntimes], ['linked service', r.linkedServices], ['dataset', r.datasets], ['pipeline', r.pipelines]].map(([w, l]) => `${l!.length} ${w}${l!.length === 1 ? '' : 's'}`).join(', ');
      write(io.stdout, `${created.created ? `created factory ${scope.factory}; ` : ''}published ${dir} to factory ${scope.factory}: ${counts}`);
    }
    return ExitCode.Ok;
  },
};
