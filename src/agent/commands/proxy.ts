/** `dmgw proxy set|show|clear`: the HTTP proxy this node reaches its factory service through, kept in the gateway home. */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { inspectCredential } from '../../common/credential/envelope.js';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { clearProxy, describeProxy, parseProxyUrl, proxyFile, resolveProxy, saveProxy } from '../proxy/proxySettings.js';
import { readSecret } from '../secretInput.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw proxy set URL [--user NAME] [--password-stdin | --password-env VAR]
      Stores the proxy (http://host:port) in the gateway home; the host and \`dmgw register\` connect through it
      (HTTP CONNECT). The password is kept only as an EncryptedCredential for the gateway certificate. A running
      host switches to it within a second.
  dmgw proxy show [--json]
      The proxy in effect and where it comes from (--proxy, DMGW_PROXY, the home, HTTPS_PROXY); never the password.
  dmgw proxy clear
      Forgets the stored proxy.`;

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'the HTTP proxy to the factory service: set, show, clear',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const home = GatewayHome.resolve({ env: io.env });
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { user: { type: 'string' }, 'password-stdin': { type: 'boolean' }, 'password-env': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
    switch (sub) {
      case 'set': {
        if (positionals.length !== 1) throw new DmgwError('USAGE', 'dmgw proxy set needs the proxy URL', {}, 'dmgw proxy set http://proxy.example:3128 [--user NAME --password-stdin]');
        const p = parseProxyUrl(positionals[0]!, '--proxy');
        const password = await readSecret(io, { stdin: values['password-stdin'], env: values['password-env'] }, 'proxy password');
        const settings = { ...p, username: values.user ?? p.username, password: password ?? p.password };
        if (settings.password !== undefined && settings.username === undefined) throw new DmgwError('USAGE', 'a proxy password needs a user', { field: 'user' }, 'add --user NAME');
        await saveProxy(home, settings);
        write(io.stdout, `stored proxy ${describeProxy({ ...settings, source: 'gateway home' })}${settings.password !== undefined ? ', password encrypted for the gateway certificate' : ''}`);
        return ExitCode.Ok;
      }
      case 'show': {
        const p = await resolveProxy(home, io.env);
        const stored = storedSummary(home);
        if (values.json) write(io.stdout, JSON.stringify({ effective: p ? { url: p.url, username: p.username, hasPassword: p.password !== undefined, source: p.source } : null, stored }));
        else write(io.stdout, p ? `proxy ${describeProxy(p)}${p.password !== undefined ? ', with a password' : ''}` : 'no proxy: the node connects directly');
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
function storedSummary(home: GatewayHome): { url: string; username?: string; passwordSealedFor?: string } | null {
  const file = proxyFile(home);
  if (!existsSync(file)) return null;
  const s = JSON.parse(readFileSync(file, 'utf8')) as { url: string; username?: string; sealedPassword?: string };
  return { url: s.url, username: s.username, passwordSealedFor: s.sealedPassword ? inspectCredential(s.sealedPassword, { file }).thumbprint : undefined };
}
