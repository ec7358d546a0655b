/** `dmgw credential-endpoint token [--rotate]`: the bearer token a credential manager needs for the endpoint. */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { ensureEndpointToken, rotateEndpointToken } from '../credentialEndpoint/token.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw credential-endpoint token [--rotate]
      Prints the bearer token of the credential endpoint (made on first use, kept 0600 in
      DMGW_HOME/credential-endpoint.token). --rotate makes a new one; the old one stops working at once.
      The endpoint itself runs in the host: \`dmgw host --credential-endpoint [PORT]\`, or
      \`dmgw config set credentialEndpoint.port 8060\`.`;

export const credentialEndpointCommand: Command = {
  name: 'credential-endpoint',
  summary: 'the credential endpoint: print or rotate its token',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { rotate: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (positionals[0] !== 'token' || positionals.length > 1) throw new DmgwError('USAGE', positionals[0] ? `unknown sub-command "${positionals.join(' ')}"` : 'which one: token?', {}, 'run `dmgw help credential-endpoint`');
    const home = GatewayHome.resolve({ env: io.env });
    // The token is what this command is for: printed raw, on stdout only, never logged.
    write(io.stdout, values.rotate ? rotateEndpointToken(home) : ensureEndpointToken(home));
    return ExitCode.Ok;
  },
};
