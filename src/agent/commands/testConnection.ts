/**
 * `dmgw test-connection`: connects to a linked service's store and does the connector's smallest real operation —
 * from this machine, as the gateway would (its EncryptedCredential decrypted with this gateway's certificate), or,
 * with --endpoint, through a factory's gateway by way of the factory service (management/testConnectivity.ts).
 * The Configuration Manager's Diagnostics page and the VS Code extension run it.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { loadFactory, nameKey } from '../../common/model/factory.js';
import { linkedServiceOfText } from '../../common/model/linkedServiceText.js';
import { testLinkedService, type TestConnectionReport } from '../connectors/testLinkedService.js';
import type * as Management from '../management/index.js';
import { MANAGEMENT_OPTIONS, MANAGEMENT_USAGE } from '../management/options.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw test-connection --factory DIR --linked-service NAME [--timeout SECONDS] [--json] [--home DIR]
      From this machine: connects to the store of the linked service NAME of the factory folder DIR (decrypting its
      EncryptedCredential with this gateway's certificate; its parameters at their default values) and does the
      smallest real operation (SELECT 1, list a blob). A credential is only used for the server it was encrypted for.
  dmgw test-connection --endpoint URL --factory NAME (--linked-service NAME | FILE.json) [--timeout SECONDS] [--json]
      Through the factory's gateway: the factory service hands the test to an Online node of the gateway the linked
      service's connectVia names, ahead of its queued jobs, and answers with that node's connector message. NAME tests
      the published linked service; FILE.json (a linked service file) tests that definition as written, unpublished
      (a plaintext secret in it is encrypted for the gateway by the service; it is never stored).
Exit codes: 0 connected, 1 could not connect (the message says why), 2 usage.

${MANAGEMENT_USAGE}`;

export type { TestConnectionReport };

export const testConnectionCommand: Command = {
  name: 'test-connection',
  summary: "connect to a linked service's store, from this machine or through a factory's gateway",
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...MANAGEMENT_OPTIONS, factory: { type: 'string', short: 'f' }, 'linked-service': { type: 'string', short: 'l' }, timeout: { type: 'string' }, home: { type: 'string' } },
    });
    const seconds = values.timeout === undefined ? 30 : Number(values.timeout);
    if (!(seconds > 0)) throw new DmgwError('USAGE', `--timeout ${values.timeout} is not a positive number of seconds`);
    if (values.endpoint) return remote(values, positionals, seconds, io);
    if (positionals.length) throw new DmgwError('USAGE', `a linked service file (${positionals[0]}) is tested through a factory service only: add --endpoint URL --factory NAME, or use --factory DIR --linked-service NAME`, {}, usage.split('\n')[1]!.trim());
    if (!values.factory || !values['linked-service']) throw new DmgwError('USAGE', 'both --factory and --linked-service are required', {}, usage.split('\n')[1]!.trim());
    const factory = loadFactory(values.factory);
    const ls = factory.linkedServices.get(nameKey(values['linked-service']));
    if (!ls) {
      const names = [...factory.linkedServices.values()].map((l) => l.name).join(', ') || 'none';
      throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `linked service "${values['linked-service']}" is not in ${values.factory}`, { file: values.factory }, `the factory has: ${names}`);
    }
    // a blob store is reached as a worker reaches it: through the gateway's proxy unless NO_PROXY lists it
    await initDataProxy({ home: values.home ?? io.env.DMGW_HOME, env: io.env });
    const report = await testLinkedService(ls, { home: values.home ?? io.env.DMGW_HOME, env: io.env, seconds });
    if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else write(report.ok ? io.stdout : io.stderr, `${report.ok ? 'ok' : 'failed'}: ${report.message} (${report.durationMs} ms)`);
    return report.ok ? ExitCode.Ok : ExitCode.Failed;
  },
};

async function remote(values: Record<string, string | boolean | undefined>, positionals: string[], seconds: number, io: Parameters<Command['run']>[1]): Promise<number> {
  const name = values['linked-service'] as string | undefined;
  if (positionals.length > 1 || (positionals.length === 1) === Boolean(name)) throw new DmgwError('USAGE', 'name the linked service with --linked-service NAME (the published one) or give one linked service file (FILE.json), not both', {}, usage.split('\n')[5]!.trim());
  if (seconds > 120) throw new DmgwError('USAGE', `--timeout ${seconds}: through a factory service a test may take at most 120 seconds`, { field: 'timeout' });
  let what: Parameters<typeof Management.testConnectionRemote>[1];
  if (name) what = { linkedServiceName: name };
  else {
    const file = resolve(io.cwd, positionals[0]!);
    const ls = linkedServiceOfText(file, readFileSync(file, 'utf8'));
    if (!ls) throw new DmgwError('USAGE', `${positionals[0]} is not a linked service file (an object with "name" and "properties")`, { file: positionals[0] });
    what = { linkedService: { name: ls.name || basename(file, '.json'), properties: ls.properties as unknown as Record<string, unknown> } };
  }
  // loaded here, not at start-up: the Azure SDK is large and only the management verbs need it
  const m: typeof Management = await import('../management/index.js');
  const scope = m.scopeOf(await m.resolveTarget(values, io.env));
  const r = await m.testConnectionRemote(scope, what, seconds);
  if (values.json) io.stdout.write(`${JSON.stringify(r)}\n`);
  else write(r.succeeded ? io.stdout : io.stderr, `${r.succeeded ? 'ok' : 'failed'}: ${r.message}${r.integrationRuntime ? ` (through ${r.integrationRuntime}${r.nodeName ? ` on node ${r.nodeName}` : ''}, ${r.durationMs} ms)` : ''}`);
  return r.succeeded ? ExitCode.Ok : ExitCode.Failed;
}
