/**
 * `dmgw credential-endpoint token [--rotate]`: the bearer token a credential manager needs for the endpoint.
 * `dmgw credential-endpoint tls [--rotate] [--json]`: the endpoint's own TLS certificate, whose thumbprint clients pin.
 */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { ensureEndpointTls, rotateEndpointTls } from '../credentialEndpoint/tlsIdentity.js';
import { ensureEndpointToken, rotateEndpointToken } from '../credentialEndpoint/token.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw credential-endpoint token [--rotate]
      Prints the bearer token of the credential endpoint (made on first use, kept 0600 in
      DMGW_HOME/credential-endpoint.token). --rotate makes a new one; the old one stops working at once.
  dmgw credential-endpoint tls [--rotate] [--json]
      Prints the SHA-256 thumbprint clients pin and the file of the endpoint's own TLS certificate (a self-signed
      pair in DMGW_HOME/credential-endpoint/, key 0600, made on first use; never the gateway certificate's key).
      --rotate makes a new pair; a running endpoint serves it within seconds, and clients must pin the new thumbprint.
  The endpoint itself runs in the host: \`dmgw host --credential-endpoint [PORT]\`, or
  \`dmgw config set credentialEndpoint.port 8060\`.`;

export const credentialEndpointCommand: Command = {
  name: 'credential-endpoint',
  summary: 'the credential endpoint: print or rotate its token and its TLS certificate',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { rotate: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    const sub = positionals[0];
    if ((sub !== 'token' && sub !== 'tls') || positionals.length > 1) throw new DmgwError('USAGE', sub ? `unknown sub-command "${positionals.join(' ')}"` : 'which one: token or tls?', {}, 'run `dmgw help credential-endpoint`');
    const home = GatewayHome.resolve({ env: io.env });
    if (sub === 'token') {
      // The token is what this command is for: printed raw, on stdout only, never logged.
      write(io.stdout, values.rotate ? rotateEndpointToken(home) : ensureEndpointToken(home));
      return ExitCode.Ok;
    }
    const tls = values.rotate ? rotateEndpointTls(home) : ensureEndpointTls(home);
    const report = { thumbprint: tls.thumbprint, certificateFile: home.credentialEndpointTlsCertificateFile, notAfter: tls.notAfter.toISOString(), rotated: !!values.rotate };
    if (values.json) write(io.stdout, JSON.stringify(report));
    else write(io.stdout, `TLS certificate of the credential endpoint${values.rotate ? ' (new)' : ''}\n  thumbprint (SHA-256)  ${report.thumbprint}   ← clients pin this\n  file                  ${report.certificateFile}\n  valid until           ${report.notAfter}`);
    return ExitCode.Ok;
  },
};
