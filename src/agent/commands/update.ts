/** `dmgw update [--check]`: the agent versions here and the schedule; without --check, asks the host to update now. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExitCode } from '../../common/exitCodes.js';
import { VERSION } from '../../common/version.js';
import { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { nextUpdateWindow, parseUpdateSchedule } from '../config/updateSchedule.js';
import { readHostState } from '../host/hostState.js';
import { runningHostPid } from '../host/lock.js';
import { updateRequestFile } from '../update/updater.js';
import { readCurrentVersion } from '../update/versions.js';
import { write, type Command } from './command.js';

export interface UpdateReport {
  schedule: string;
  nextWindow?: string;
  /** The version `current` points at in DMGW_HOME/versions (absent: the bundled agent runs). */
  installed?: string;
  previous?: string;
  bundled: string;
  hostVersion?: string;
}

export function updateReport(home: GatewayHome): UpdateReport {
  const schedule = readSettings(home)['update.schedule'];
  const cur = readCurrentVersion(home);
  const pid = runningHostPid(home);
  const st = readHostState(home);
  return { schedule, nextWindow: nextUpdateWindow(parseUpdateSchedule(schedule), new Date())?.toISOString(), installed: cur?.version, previous: cur?.previous, bundled: VERSION, hostVersion: pid && st?.pid === pid ? st.version : undefined };
}

export const updateCommand: Command = {
  name: 'update',
  summary: 'agent updates: show versions and schedule (--check), or update at the next offer',
  usage: `Usage:
  dmgw update [--check] [--json]
      --check: the running and installed agent versions, the schedule (update.schedule) and its next window.
      Without --check: the host installs the service's newest agent at its next heartbeat, whatever the schedule,
      once no job runs (the same as ARM \`upgrade\` on the integration runtime).`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { check: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
    const home = GatewayHome.resolve({ env: io.env });
    if (!values.check) {
      home.ensure();
      writeFileSync(updateRequestFile(home), `${new Date().toISOString()}\n`);
    }
    const r = updateReport(home);
    if (values.json) write(io.stdout, JSON.stringify({ ...r, requested: !values.check }));
    else
      write(
        io.stdout,
        [
          ...(values.check ? [] : ['update requested: the host installs the newest agent the service offers once no job runs']),
          `host runs:     ${r.hostVersion ?? '(not running)'}`,
          `installed:     ${r.installed ?? '(none: the bundled agent runs)'}${r.previous ? ` (previous ${r.previous})` : ''}`,
          `bundled:       ${r.bundled}`,
          `schedule:      ${r.schedule}${r.nextWindow ? ` (next window ${r.nextWindow})` : ''}`,
        ].join('\n'),
      );
    return ExitCode.Ok;
  },
};
