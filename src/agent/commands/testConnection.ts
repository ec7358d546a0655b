/**
 * `dmgw test-connection`: connects to a linked service's store from this machine, as the gateway would (its
 * EncryptedCredential decrypted with this gateway's certificate), and does the connector's smallest real operation.
 * The Configuration Manager's Diagnostics page runs it.
 */
import { parseArgs } from 'node:util';
import { DmgwError, formatError, isDmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { loadFactory, nameKey } from '../../common/model/factory.js';
import { redact } from '../../common/redact.js';
import { connectorFor } from '../connectors/registry.js';
import { decryptLinkedService } from '../credentials/decrypt.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { write, type Command } from './command.js';

const usage = `Usage: dmgw test-connection --factory DIR --linked-service NAME [--timeout SECONDS] [--json] [--home DIR]

Connects to the store of the linked service NAME of the factory in DIR from this machine (decrypting its
EncryptedCredential with this gateway's certificate) and does the smallest real operation (SELECT 1, list a blob).
Exit codes: 0 connected, 1 could not connect (the message says why), 2 usage.`;

export interface TestConnectionReport {
  linkedService: string;
  type: string;
  ok: boolean;
  message: string;
  durationMs: number;
}

export const testConnectionCommand: Command = {
  name: 'test-connection',
  summary: "connect to a linked service's store from this machine, as the gateway would",
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { factory: { type: 'string', short: 'f' }, 'linked-service': { type: 'string', short: 'l' }, timeout: { type: 'string' }, json: { type: 'boolean' }, home: { type: 'string' } },
    });
    if (!values.factory || !values['linked-service']) throw new DmgwError('USAGE', 'both --factory and --linked-service are required', {}, usage.split('\n')[0]);
    const seconds = values.timeout === undefined ? 30 : Number(values.timeout);
    if (!(seconds > 0)) throw new DmgwError('USAGE', `--timeout ${values.timeout} is not a positive number of seconds`);
    const factory = loadFactory(values.factory);
    const ls = factory.linkedServices.get(nameKey(values['linked-service']));
    if (!ls) {
      const names = [...factory.linkedServices.values()].map((l) => l.name).join(', ') || 'none';
      throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `linked service "${values['linked-service']}" is not in ${values.factory}`, { file: values.factory }, `the factory has: ${names}`);
    }
    // a blob store is reached as a worker reaches it: through the gateway's proxy unless NO_PROXY lists it
    await initDataProxy({ home: values.home ?? io.env.DMGW_HOME, env: io.env });
    const started = Date.now();
    let report: TestConnectionReport;
    try {
      const connector = connectorFor(await decryptLinkedService(ls, { home: values.home ?? io.env.DMGW_HOME, env: io.env }));
      try {
        await connector.test(AbortSignal.timeout(seconds * 1000));
      } finally {
        await connector.close().catch(() => {});
      }
      report = { linkedService: ls.name, type: String(ls.properties.type), ok: true, message: `connected to ${ls.name} (${ls.properties.type})`, durationMs: Date.now() - started };
    } catch (e) {
      const why = isDmgwError(e) ? formatError(e) : e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${seconds} s` : (e as Error).message || String(e);
      const hint = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(why) ? ' — is the server running, and reachable from this machine (host, port, firewall, proxy)?' : '';
      report = { linkedService: ls.name, type: String(ls.properties.type), ok: false, message: redact(`could not connect to ${ls.name} (${ls.properties.type}): ${why}${hint}`), durationMs: Date.now() - started };
    }
    if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else write(report.ok ? io.stdout : io.stderr, `${report.ok ? 'ok' : 'failed'}: ${report.message} (${report.durationMs} ms)`);
    return report.ok ? ExitCode.Ok : ExitCode.Failed;
  },
};
