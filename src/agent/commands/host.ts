/** `dmgw host`: the gateway's host process in the foreground — what a service manager (systemd, launchd, a Windows service) runs. */
import { parseArgs } from 'node:util';
import { ExitCode } from '../../common/exitCodes.js';
import { standardLogger, verboseFromEnv } from '../../common/log.js';
import { GatewayHome } from '../config/home.js';
import { runHost } from '../host/host.js';
import type { Command } from './command.js';

const usage = `Usage:
  dmgw host [--verbose]
      Runs the gateway host in the foreground: polls the factory service for jobs (outbound HTTPS only; it listens
      on no port), runs each in its own worker process (at most the node's concurrentJobsLimit at once), renews
      their leases and reports their progress, and sends heartbeats. One host per gateway home (DMGW_HOME).
      Keeps running when the service is unreachable (backing off) or the key was regenerated (NeedRegistration,
      until \`dmgw register\` is run again). SIGTERM or Ctrl-C stops it; running jobs are released to other nodes.
      Logs go to DMGW_HOME/logs/dmgw.log (and stderr with --verbose). Worker stall limit: DMGW_WORKER_STALL_SECONDS
      (default 600).`;

export const hostCommand: Command = {
  name: 'host',
  summary: 'run the gateway host in the foreground (what a service manager runs)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { verbose: { type: 'boolean' } }, strict: true });
    const home = GatewayHome.resolve({ env: io.env });
    home.ensure(home.logsDir);
    const log = standardLogger({ stream: io.stderr, verbose: values.verbose || verboseFromEnv(io.env), file: home.logFile, component: 'host' });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      await runHost({ home, env: io.env, log, workerCommand: [process.execPath, process.argv[1]!], signal: controller.signal });
    } finally {
      log.close();
    }
    return ExitCode.Ok;
  },
};
