/**
 * `dmgw proxy set|show|clear`: the HTTP proxy of this node — the channel to its factory service and the workers'
 * Azure Blob traffic; databases and file shares are always direct — kept in the gateway home, with the hosts that
 * bypass it (`--no-proxy`, added to NO_PROXY). `set` replaces all of it: URL, user, password and bypass list.
 */
import { parseArgs } from 'node:util';
import { inspectCredential } from '../../common/credential/envelope.js';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { clearProxy, describeProxy, noProxyEntryProblem, parseNoProxy, parseProxyUrl, proxyFile, readStored, resolveProxy, saveProxy } from '../proxy/proxySettings.js';
import { readSecret } from '../secretInput.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw proxy set URL [--user NAME] [--password-stdin | --password-env VAR] [--no-proxy LIST]
      Stores the proxy (http://host:port) in the gateway home; the host, \`dmgw register\` and the workers' Azure
      Blob traffic go through it (HTTP CONNECT; databases and file shares never do). The password is kept only as
      an EncryptedCredential for the gateway certificate; it is read from stdin or a variable, never from the URL
      (a command line is visible to other users of the machine). --no-proxy: hosts reached directly, as NO_PROXY writes
      them (comma-separated: host, .domain, *, IP, CIDR, optional :port; localhost is not implied), in addition to
      NO_PROXY. A running host switches within a second; workers use it from their next job.
  dmgw proxy show [--json]
      The proxy in effect and where it comes from (--proxy, DMGW_PROXY, the home, HTTPS_PROXY), and what bypasses it
      (NO_PROXY, the stored list); never the password.
  dmgw proxy clear
      Forgets the stored proxy.`;

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'the HTTP proxy to the factory service and Azure Blob: set, show, clear',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const home = GatewayHome.resolve({ env: io.env });
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { user: { type: 'string' }, 'password-stdin': { type: 'boolean' }, 'password-env': { type: 'string' }, 'no-proxy': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
    switch (sub) {
      case 'set': {
        if (positionals.length !== 1) throw new DmgwError('USAGE', 'dmgw proxy set needs the proxy URL', {}, 'dmgw proxy set http://proxy.example:3128 [--user NAME --password-stdin]');
        const p = parseProxyUrl(positionals[0]!, '--proxy');
        const password = await readSecret(io, { stdin: values['password-stdin'], env: values['password-env'] }, 'proxy password');
        const noProxy = parseNoProxy(values['no-proxy'] ?? '');
        for (const entry of noProxy) {
          const problem = noProxyEntryProblem(entry);
          if (problem) throw new DmgwError('USAGE', `--no-proxy entry "${entry}" would never match: ${problem}`, { field: 'no-proxy' }, 'use host names, .domains, IP addresses, CIDR ranges (10.0.0.0/8) or *, each with an optional :port, separated by commas');
        }
        const settings = { ...p, username: values.user ?? p.username, password: password ?? p.password, noProxy };
        if (settings.password !== undefined && settings.username === undefined) throw new DmgwError('USAGE', 'a proxy password needs a user', { field: 'user' }, 'add --user NAME');
        await saveProxy(home, settings);
        write(io.stdout, `stored proxy ${describeProxy({ ...settings, source: 'gateway home' })}${settings.password !== undefined ? ', password encrypted for the gateway certificate' : ''}${settings.noProxy.length ? `; not for ${settings.noProxy.join(',')}` : ''}`);
        return ExitCode.Ok;
      }
      case 'show': {
        const p = await resolveProxy(home, io.env);
        const stored = storedSummary(home);
        if (values.json) write(io.stdout, JSON.stringify({ effective: p ? { url: p.url, username: p.username, hasPassword: p.password !== undefined, source: p.source, noProxy: p.noProxy ?? [] } : null, stored }));
        else write(io.stdout, p ? `proxy ${describeProxy(p)}${p.password !== undefined ? ', with a password' : ''}${p.noProxy?.length ? `; not for ${p.noProxy.join(',')} (NO_PROXY and the stored list)` : ''}` : 'no proxy: the node connects directly');
        return ExitCode.Ok;
      }
      case 'clear':
        write(io.stdout, clearProxy(home) ? 'forgot the stored proxy' : 'no proxy was stored');
        return ExitCode.Ok;
      default:
        throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: set, show or clear?', {}, 'run `dmgw help proxy`');
    }
  },
};

/** What proxy.json holds, for `show --json`: the certificate the password is sealed for, not the password. */
function storedSummary(home: GatewayHome): { url: string; username?: string; passwordSealedFor?: string; noProxy: string[] } | null {
  const file = proxyFile(home);
  const s = readStored(home);
  if (!s) return null;
  return { url: s.url, username: s.username, passwordSealedFor: s.sealedPassword ? inspectCredential(s.sealedPassword, { file }).thumbprint : undefined, noProxy: s.noProxy ?? [] };
}
