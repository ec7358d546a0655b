/** `dmgw register KEY`: joins this machine to a gateway as a node. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { shortKeyId } from '../../common/gateway/releaseManifest.js';
import { joinGateway } from '../channel/joinGateway.js';
import { GatewayHome } from '../config/home.js';
import { addTrustedKey, readReleaseKeyFile } from '../update/trustStore.js';
import { checkProxyFlag } from '../proxy/proxySettings.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw register KEY [--node-name NAME] [--proxy URL|direct] [--trust-release-key FILE]... [--json]
  dmgw register --key-file F | --key-stdin [--node-name NAME] [--proxy URL|direct] [--trust-release-key FILE]... [--json]
      Registers this machine as a node of the gateway the key names (authKey1 or authKey2, "DMGW@..."): makes the
      gateway certificate when the home has none, pins the service's TLS certificate named in the key, and stores
      the node credential (sealed with the gateway certificate) in the gateway home (DMGW_HOME, default ~/.dmgw).
      Registering again (a new key, after a regenerate) replaces the credential; a running host picks it up.
      --node-name defaults to the machine's host name. Prefer --key-stdin or --key-file: a key on the command
      line is visible to other users of the machine. --proxy registers through an HTTP proxy and stores it for the
      host; a URL with a password is refused: store that one first with \`dmgw proxy set URL --user NAME
      --password-stdin\`. Otherwise DMGW_PROXY, the stored proxy, HTTPS_PROXY.
      --trust-release-key FILE (repeatable) trusts a release public key for agent updates, as
      \`dmgw update trust add FILE\` does; without any trusted key the node installs no update.`;

export const registerCommand: Command = {
  name: 'register',
  summary: 'register this machine as a gateway node with a gateway key',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'node-name': { type: 'string' }, proxy: { type: 'string' }, 'key-file': { type: 'string' }, 'key-stdin': { type: 'boolean' }, 'trust-release-key': { type: 'string', multiple: true }, json: { type: 'boolean' } },
      strict: true,
    });
    checkProxyFlag(values.proxy);
    // a bad key file is a local mistake: say so before anything reaches the service
    const releaseKeys = (values['trust-release-key'] ?? []).map((f) => resolve(io.cwd, f));
    for (const f of releaseKeys) readReleaseKeyFile(f);
    let key = positionals[0];
    if (values['key-file']) key = readFileSync(values['key-file'], 'utf8');
    else if (values['key-stdin']) {
      let text = '';
      for await (const c of io.stdin) text += String(c);
      key = text;
    }
    if (!key?.trim()) throw new DmgwError('USAGE', 'no key given', {}, 'pass the key (DMGW@...) as an argument, with --key-file F or on stdin with --key-stdin');
    const home = GatewayHome.resolve({ env: io.env });
    const r = await joinGateway(home, key, { nodeName: values['node-name'], env: io.env, proxy: values.proxy });
    const trusted = releaseKeys.map((f) => addTrustedKey(home, f).id);
    if (values.json) {
      write(io.stdout, JSON.stringify({ serviceUrl: r.serviceUrl, factory: r.factory, gateway: r.gatewayName, node: r.nodeName, nodeId: r.nodeId, certificateThumbprint: r.certificateThumbprint, concurrentJobsLimit: r.concurrentJobsLimit, trustedReleaseKeys: trusted, warnings: r.warnings }));
    } else {
      if (r.createdCertificate) write(io.stdout, `made the gateway certificate ${r.certificateThumbprint}`);
      write(io.stdout, `registered node "${r.nodeName}" to gateway "${r.gatewayName}" at ${r.serviceUrl}${r.proxy ? ` through the proxy ${r.proxy}` : ''}`);
      for (const id of trusted) write(io.stdout, `trusting release key ${shortKeyId(id)} for agent updates`);
      for (const w of r.warnings) write(io.stderr, `warning: ${w}`);
      write(io.stdout, 'start the host with `dmgw start` (background) or `dmgw host` (foreground, for a service manager)');
    }
    return ExitCode.Ok;
  },
};
