/** `dmgw start`: runs `dmgw host` in the background (detached, output to the gateway home's logs) and waits until it is up. */
import { spawn } from 'node:child_process';
import { openSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { logRotation } from '../config/logger.js';
import { sleep } from '../host/backoff.js';
import { readHostState } from '../host/hostState.js';
import { isAlive, runningHostPid } from '../host/lock.js';
import { write, type Command } from './command.js';
import { gatewayStatus } from './status.js';

export const startCommand: Command = {
  name: 'start',
  summary: 'start the gateway host in the background',
  usage: 'Usage:\n  dmgw start [--json]\n      Starts `dmgw host` detached (its output goes to DMGW_HOME/logs/host.out) and waits until it has\n      reached the service (or found it cannot). `dmgw stop` stops it; `dmgw status` shows it.',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const home = GatewayHome.resolve({ env: io.env });
    const running = runningHostPid(home);
    if (running) throw new DmgwError('HOST_RUNNING', `the host already runs (pid ${running})`, { file: home.root }, '`dmgw status` shows it; `dmgw stop` stops it');
    home.ensure(home.logsDir);
    const outFile = join(home.logsDir, 'host.out');
    // what the launcher and the host print (their logs go to dmgw.log): capped at start, one old copy kept
    if ((statSync(outFile, { throwIfNoEntry: false })?.size ?? 0) > logRotation(home).maxBytes) renameSync(outFile, `${outFile}.1`);
    const out = openSync(outFile, 'a', 0o600);
    // The launcher runs the host from the newest verified version in DMGW_HOME/versions and restarts it after an update.
    const launchedAt = new Date().toISOString();
    const child = spawn(process.execPath, [process.argv[1]!, 'launch'], { env: io.env, cwd: home.root, detached: true, stdio: ['ignore', out, out] });
    child.unref();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const st = readHostState(home);
      if (st && st.startedAt >= launchedAt && st.pid === runningHostPid(home) && st.status !== 'Starting') break;
      if (!isAlive(child.pid!)) throw new DmgwError('HOST_FAILED', `the host exited at once; see ${join(home.logsDir, 'host.out')}`, { file: join(home.logsDir, 'host.out') });
      await sleep(100);
    }
    const s = gatewayStatus(home);
    // the host's pid, as `dmgw status` and the Gateway view show it (the launcher that runs it is its parent)
    write(io.stdout, values.json ? JSON.stringify(s) : `host started (pid ${s.host.pid ?? child.pid}, launcher ${child.pid}): ${s.status}${s.message ? ` (${s.message})` : ''}`);
    return ExitCode.Ok;
  },
};
