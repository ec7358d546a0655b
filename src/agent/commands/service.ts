/**
 * `dmgw service start`: the factory service in the foreground. When it is ready it prints one JSON line
 * (url, caCertFile, adminTokenFile, fingerprint, ...) on stdout so that scripts and tests can drive it; logs go to
 * stderr. SIGINT/SIGTERM stop it cleanly.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { startService } from '../../service/service.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw service start [--port 8443] [--host 0.0.0.0] [--data DIR] [--postgres URL] [--schema NAME] [--public-url URL]
                     [--lease-seconds 30] [--heartbeat-seconds 10] [--poll-seconds 25] [--max-attempts 3]
      Runs the factory service over HTTPS: Azure Resource Manager routes for Data Factory (api-version 2018-06-01)
      and the gateway channel (/gateway/v1). The first start makes a self-signed certificate and an admin token in
      --data (default ./dmgw-service). The store is embedded (PGlite, in --data) unless --postgres points at a
      PostgreSQL server, which several replicas (sharing one --data for the certificate and token) can use together.
      --public-url is the address agents use, written into gateway keys (default https://<hostname>:<port>).
      When ready it prints one JSON line: {"url","caCertFile","adminTokenFile","fingerprint","store","dataDir"}.`;

export const serviceCommand: Command = {
  name: 'service',
  summary: 'the factory service (ARM routes + gateway channel): service start',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'start') throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: start?', {}, 'run `dmgw help service`');
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '0.0.0.0' },
        data: { type: 'string', default: 'dmgw-service' },
        postgres: { type: 'string' },
        schema: { type: 'string' },
        'public-url': { type: 'string' },
        'lease-seconds': { type: 'string' },
        'heartbeat-seconds': { type: 'string' },
        'poll-seconds': { type: 'string' },
        'max-attempts': { type: 'string' },
      },
      strict: true,
    });
    const num = (name: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new DmgwError('USAGE', `--${name} must be a non-negative number, not "${v}"`, { field: name });
      return n;
    };
    const settings = Object.fromEntries(
      Object.entries({ leaseSeconds: num('lease-seconds', values['lease-seconds']), heartbeatSeconds: num('heartbeat-seconds', values['heartbeat-seconds']), pollWaitSeconds: num('poll-seconds', values['poll-seconds']) }).filter(([, v]) => v !== undefined),
    );
    const svc = await startService({
      dataDir: resolve(io.cwd, values.data!),
      port: num('port', values.port),
      host: values.host,
      postgres: values.postgres,
      postgresSchema: values.schema,
      publicUrl: values['public-url'],
      settings,
      maxAttempts: num('max-attempts', values['max-attempts']),
      log: (line) => write(io.stderr, line),
    });
    write(io.stdout, JSON.stringify({ url: svc.url, caCertFile: svc.caCertFile, adminTokenFile: svc.adminTokenFile, fingerprint: svc.fingerprint, store: svc.store, dataDir: svc.dataDir, pid: process.pid }));
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await svc.close();
    return ExitCode.Ok;
  },
};
