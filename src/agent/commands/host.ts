/** `dmgw host`: the gateway's host process in the foreground — what a service manager (systemd, launchd, a Windows service) runs. */
import { parseArgs } from 'node:util';
import { standardLogger, verboseFromEnv } from '../../common/log.js';
import { GatewayHome } from '../config/home.js';
import { logRotation } from '../config/logger.js';
import { checkSetting, parsePort, readSettings } from '../config/settings.js';
import { runHost } from '../host/host.js';
import { checkProxyFlag, storeProxyFlag } from '../proxy/proxySettings.js';
import type { Command } from './command.js';

const usage = `Usage:
  dmgw host [--verbose] [--proxy URL|direct] [--credential-endpoint [PORT]] [--credential-endpoint-host ADDRESS]
      Runs the gateway host in the foreground: polls the factory service for jobs (outbound HTTPS only; it listens
      on no port), runs each in its own worker process (at most the node's concurrentJobsLimit at once), renews
      their leases and reports their progress, and sends heartbeats. One host per gateway home (DMGW_HOME).
      Keeps running when the service is unreachable (backing off) or the key was regenerated (NeedRegistration,
      until \`dmgw register\` is run again). SIGTERM or Ctrl-C stops it; running jobs are released to other nodes.
      Logs go to DMGW_HOME/logs/dmgw.log (and stderr with --verbose). Worker stall limit: DMGW_WORKER_STALL_SECONDS
      (default 600); a cancelled worker still running DMGW_WORKER_KILL_SECONDS (default 10) after SIGTERM is killed,
      and what it had staged is removed before the run ends.
      --proxy URL reaches the service through an HTTP proxy (CONNECT) and stores it in the home for later starts;
      \`direct\` goes without. A URL with a password is refused (a command line is visible to other users): store
      that one with \`dmgw proxy set URL --user NAME --password-stdin\`. Otherwise: DMGW_PROXY, the stored
      proxy (\`dmgw proxy set\`), HTTPS_PROXY.
      --credential-endpoint [PORT] also serves the credential endpoint (HTTPS with the gateway certificate; default
      port: the credentialEndpoint.port setting, else 8060) on 127.0.0.1, or on --credential-endpoint-host (a LAN
      address: opening it is a decision). \`dmgw config set credentialEndpoint.port 8060\` turns it on for good.
      Its bearer token: \`dmgw credential-endpoint token\`.
      Prometheus metrics: \`dmgw config set metrics.port 9464\` serves GET /metrics on 127.0.0.1 (metrics.host to open it).`;

export const hostCommand: Command = {
  name: 'host',
  summary: 'run the gateway host in the foreground (what a service manager runs)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args: optionalValue(args, '--credential-endpoint'), options: { verbose: { type: 'boolean' }, proxy: { type: 'string' }, 'credential-endpoint': { type: 'string' }, 'credential-endpoint-host': { type: 'string' } }, strict: true });
    checkProxyFlag(values.proxy);
    const home = GatewayHome.resolve({ env: io.env });
    const settings = readSettings(home);
    const flag = values['credential-endpoint'];
    const port = flag ? parsePort(flag, '--credential-endpoint') : flag === '' ? (settings['credentialEndpoint.port'] ?? 8060) : settings['credentialEndpoint.port'];
    const hostFlag = values['credential-endpoint-host'];
    const endpointHost = hostFlag === undefined ? settings['credentialEndpoint.host'] : String(checkSetting('credentialEndpoint.host', hostFlag));
    home.ensure(home.logsDir);
    if (values.proxy !== undefined) await storeProxyFlag(home, values.proxy);
    const log = standardLogger({ stream: io.stderr, verbose: values.verbose || verboseFromEnv(io.env), file: home.logFile, component: 'host', rotation: logRotation(home) });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const metricsPort = settings['metrics.port'];
      return await runHost({
        home,
        env: io.env,
        log,
        workerCommand: [process.execPath, process.argv[1]!],
        signal: controller.signal,
        proxy: values.proxy,
        credentialEndpoint: port === undefined ? undefined : { host: endpointHost, port },
        metrics: metricsPort === undefined ? undefined : { host: settings['metrics.host'], port: metricsPort },
      });
    } finally {
      log.close();
    }
  },
};

/** `--flag [VALUE]`: a value only when the next word is a number, so `--credential-endpoint --verbose` still parses. */
function optionalValue(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [`${flag}=${/^\d+$/.test(args[i + 1] ?? '') ? args[i + 1] : ''}`] : i > 0 && args[i - 1] === flag && /^\d+$/.test(a) ? [] : [a]));
}
