/**
 * `dmgw browse`: one level of what a linked service's store holds (schemas, tables; containers, folders, files),
 * listed from this machine as the gateway would (agent/browse/browseLinkedService.ts). The VS Code Gateway view runs
 * it with --json to expand a linked service.
 */
import { parseArgs } from 'node:util';
import { DmgwError, isDmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { loadFactory, nameKey } from '../../common/model/factory.js';
import { redact } from '../../common/redact.js';
import { browseLinkedService } from '../browse/browseLinkedService.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { write, type Command } from './command.js';

const usage = `Usage: dmgw browse --factory DIR --linked-service NAME [--path NAME ...] [--timeout SECONDS] [--json] [--home DIR]

Lists one level of what the store of linked service NAME (of the factory in DIR) holds, read from this machine as
the gateway reads it (its EncryptedCredential decrypted with this gateway's certificate; a file share only inside
fileSystem.allowedRoots). --path names the level, from the top, one name per --path:
  databases      (none) → schemas;  --path SCHEMA → its tables and views
  blob storage   (none) → containers;  --path CONTAINER [--path FOLDER ...] → its folders and blobs
  file system    (none) → the host folder's folders and files;  --path FOLDER ... → below it
  --json     { linkedService, store, path, items: [{name, type, path, expandable}], truncated } on stdout
Exit codes: 0 listed, 1 could not list (the message says why), 2 usage.`;

export const browseCommand: Command = {
  name: 'browse',
  summary: "list a linked service's schemas and tables (or containers, folders, files) from this machine",
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { factory: { type: 'string', short: 'f' }, 'linked-service': { type: 'string', short: 'l' }, path: { type: 'string', multiple: true }, timeout: { type: 'string' }, json: { type: 'boolean' }, home: { type: 'string' } },
    });
    if (!values.factory || !values['linked-service']) throw new DmgwError('USAGE', 'both --factory and --linked-service are required', {}, usage.split('\n')[0]);
    const seconds = values.timeout === undefined ? 30 : Number(values.timeout);
    if (!(seconds > 0)) throw new DmgwError('USAGE', `--timeout ${values.timeout} is not a positive number of seconds`);
    const path = values.path ?? [];
    if (path.some((p) => !p)) throw new DmgwError('USAGE', 'an empty --path', {}, 'each --path names one schema, container or folder');
    const factory = loadFactory(values.factory);
    const ls = factory.linkedServices.get(nameKey(values['linked-service']));
    if (!ls) {
      const names = [...factory.linkedServices.values()].map((l) => l.name).join(', ') || 'none';
      throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `linked service "${values['linked-service']}" is not in ${values.factory}`, { file: values.factory }, `the factory has: ${names}`);
    }
    const home = values.home ?? io.env.DMGW_HOME;
    // a blob store is reached as a worker reaches it: through the gateway's proxy unless NO_PROXY lists it
    await initDataProxy({ home, env: io.env });
    let result;
    try {
      result = await browseLinkedService(ls, { path, home, env: io.env, seconds });
    } catch (e) {
      if (isDmgwError(e)) throw e;
      // the store's own words, redacted, without a stack: what the user needs to fix the connection
      throw new DmgwError('BROWSE_FAILED', redact(`could not list ${[ls.name, ...path].join('/')} (${ls.properties.type}): ${(e as Error).message || String(e)}`), { file: ls.file }, 'check the linked service (Test Connection) and that the name exists');
    }
    if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else write(io.stdout, result.items.length ? result.items.map((i) => `${i.type.padEnd(9)} ${i.name}`).join('\n') + (result.truncated ? `\n(first ${result.items.length} only)` : '') : `(nothing in ${[ls.name, ...path].join('/')})`);
    return ExitCode.Ok;
  },
};
