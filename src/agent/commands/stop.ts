/** `dmgw stop`: stops the background host (SIGTERM; its running jobs are released to other nodes). */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { sleep } from '../host/backoff.js';
import { isAlive, runningHostPid } from '../host/lock.js';
import { write, type Command } from './command.js';

export const stopCommand: Command = {
  name: 'stop',
  summary: 'stop the gateway host',
  usage: 'Usage:\n  dmgw stop [--timeout SECONDS]\n      Sends the host SIGTERM and waits (default 30 s) until it has released its jobs and exited.',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { timeout: { type: 'string', default: '30' } }, strict: true });
    const home = GatewayHome.resolve({ env: io.env });
    const pid = runningHostPid(home);
    if (!pid) {
      write(io.stdout, 'the host is not running');
      return ExitCode.Ok;
    }
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + Number(values.timeout) * 1000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) throw new DmgwError('HOST_STOP', `the host (pid ${pid}) did not stop within ${values.timeout} s`, {}, `kill it: kill ${pid}`);
    write(io.stdout, `host stopped (pid ${pid})`);
    return ExitCode.Ok;
  },
};
