/** `dmgw launch`: the background launcher `dmgw start` runs — keeps `dmgw host` on the current agent version. */
import { ExitCode } from '../../common/exitCodes.js';
import { standardLogger } from '../../common/log.js';
import { GatewayHome } from '../config/home.js';
import { logRotation } from '../config/logger.js';
import { runLauncher } from '../update/launcher.js';
import type { Command } from './command.js';

export const launchCommand: Command = {
  name: 'launch',
  summary: 'run the host under the update launcher (what `dmgw start` runs in the background)',
  usage: `Usage:
  dmgw launch [HOST OPTIONS]
      Runs \`dmgw host\` from DMGW_HOME/versions/current (an update installed there and verified) or, when there is
      none, from this bundle; restarts it on the new version when it exits with code ${ExitCode.Updating} (updating), and rolls
      back to the previous version when a new one fails its self-check or exits within
      DMGW_UPDATE_PROBATION_SECONDS (default 20). Options are passed to \`dmgw host\`.`,
  async run(args, io) {
    const home = GatewayHome.resolve({ env: io.env });
    home.ensure(home.logsDir);
    const log = standardLogger({ stream: io.stderr, file: home.logFile, component: 'launcher', rotation: logRotation(home) });
    try {
      return await runLauncher({ home, ownCli: process.argv[1]!, env: io.env, log, hostArgs: args });
    } finally {
      log.close();
    }
  },
};
