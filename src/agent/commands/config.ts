/** `dmgw config list|get|set|unset`: the gateway's own settings (DMGW_HOME/settings.json), each key checked. */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { DEFAULT_SETTINGS, readSettings, readUserSettings, SETTING_KEYS, writeSetting } from '../config/settings.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw config list [--json]          every setting, its value and whether it is the default
  dmgw config get KEY
  dmgw config set KEY VALUE
  dmgw config unset KEY              back to the default

Settings (a running host reads them when it starts; restart it after a change):
  credentialEndpoint.port   serve the credential endpoint on this port (ADF uses 8060); unset = off
  credentialEndpoint.host   the address it binds (default 127.0.0.1; a LAN address opens it to other machines)
  update.schedule           when the host may install a new agent version the service offers:
                            "Sun 03:00" (default; weekly), "daily 02:30", or "off" (local time, a 60-minute
                            window; an \`upgrade\` asked for through the service does not wait for it)
  fileSystem.allowedRoots   the folders FileServer linked services may read and write below: absolute folders that
                            exist, comma-separated (/data/exports,/srv/share); unset (default) = none, every file
                            access fails. Gateway homes and service data folders stay closed inside them too.
                            Read by every run: no restart needed
  metrics.port              serve Prometheus metrics on http://metrics.host:PORT/metrics; unset (default) = off
  metrics.host              the address it binds (default 127.0.0.1)
  logs.maxFileMb            rotate DMGW_HOME/logs/dmgw.log past this size (default 10; 0.001 to 1024)
  logs.maxFiles             rotated files kept beside it (default 5): the logs take at most (maxFiles + 1) × maxFileMb`;

export const configCommand: Command = {
  name: 'config',
  summary: "the gateway's settings: credential endpoint, update schedule, allowed file folders, metrics, log rotation",
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    const [sub, key, value, ...extra] = positionals;
    const home = GatewayHome.resolve({ env: io.env });
    const need = (n: number) => {
      if (positionals.length !== n + 1) throw new DmgwError('USAGE', `dmgw config ${sub} takes ${n === 1 ? 'KEY' : 'KEY VALUE'}${extra.length ? `, not "${extra.join(' ')}"` : ''}`, {}, usage.split('\n')[1]);
    };
    switch (sub) {
      case 'list': {
        const all = readSettings(home);
        const user = readUserSettings(home);
        const rows = SETTING_KEYS.map((k) => ({ key: k, value: all[k] ?? null, default: DEFAULT_SETTINGS[k] ?? null, set: k in user }));
        write(io.stdout, values.json ? JSON.stringify(rows) : rows.map((r) => `${r.key.padEnd(26)} ${r.value === null ? '(off)' : String(r.value)}${r.set ? '' : '  (default)'}`).join('\n'));
        return ExitCode.Ok;
      }
      case 'get': {
        need(1);
        const all = readSettings(home) as unknown as Record<string, unknown>;
        if (!SETTING_KEYS.includes(key as never)) throw new DmgwError('USAGE', `unknown setting "${key}"`, { field: key }, `settings are: ${SETTING_KEYS.join(', ')}`);
        write(io.stdout, all[key!] === undefined ? '' : String(all[key!]));
        return ExitCode.Ok;
      }
      case 'set':
        need(2);
        write(io.stdout, `${key} = ${writeSetting(home, key!, value!)}`);
        return ExitCode.Ok;
      case 'unset':
        need(1);
        writeSetting(home, key!, undefined);
        write(io.stdout, `${key} unset`);
        return ExitCode.Ok;
      default:
        throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: list, get, set or unset?', {}, 'run `dmgw help config`');
    }
  },
};
