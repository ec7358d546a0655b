/**
 * `dmgw gateway create|list|show|remove|keys|regenerate-key|certificate`: gateways (self-hosted integration
 * runtimes) of a factory, through @azure/arm-datafactory — against our factory service or Azure alike.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { KEY_NAMES, type KeyName } from '../../common/gateway/key.js';
import type * as Management from '../management/index.js';
import type { GatewayDetail, GatewaySummary } from '../management/gateways.js';
import type { FactoryScope } from '../management/scope.js';
import { MANAGEMENT_OPTIONS, MANAGEMENT_USAGE } from '../management/options.js';
import { write, type Command, type CommandIo } from './command.js';

const usage = `Usage:
  dmgw gateway list                                  the factory's gateways, their state and nodes
  dmgw gateway show NAME                             one gateway: state, version, nodes (status, version, jobs)
  dmgw gateway create NAME [--description TEXT] [--create-factory [--location L]]
                                                     a new self-hosted gateway; --create-factory makes the factory
                                                     first when it does not exist
  dmgw gateway upgrade NAME                          ARM upgrade: on our service, the newest agent release is rolled
                                                     over the nodes one at a time (halted when one refuses it or
                                                     rolls back; \`show\` says why); each node still checks it
  dmgw gateway remove NAME                           deletes it: its nodes stop at their next poll
  dmgw gateway keys NAME [--key authKey1|authKey2]   its two keys (for \`dmgw register\`); --key prints one, bare
  dmgw gateway regenerate-key NAME --key authKey1|authKey2
                                                     a new secret for that key: nodes registered with it stop
  dmgw gateway certificate NAME [--node N] [--out F.pem]
                                                     the certificate its nodes registered with (our service only),
                                                     for \`dmgw encrypt --cert F.pem\`

${MANAGEMENT_USAGE}`;

const EXTRA = {
  description: { type: 'string' },
  'create-factory': { type: 'boolean' },
  location: { type: 'string' },
  key: { type: 'string' },
  node: { type: 'string' },
  out: { type: 'string' },
} as const;

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'manage a factory\'s gateways: create, list, show, remove, keys, regenerate-key, certificate',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const verbs = ['list', 'show', 'create', 'remove', 'keys', 'regenerate-key', 'certificate', 'upgrade'];
    if (!sub || !verbs.includes(sub)) throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : `which one: ${verbs.join(', ')}?`, {}, 'run `dmgw help gateway`');
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MANAGEMENT_OPTIONS, ...EXTRA }, strict: true });
    const name = positionals[0];
    if (sub !== 'list' && !name) throw new DmgwError('USAGE', `dmgw gateway ${sub} needs the gateway's name`, {}, `dmgw gateway ${sub} NAME`);
    if (positionals.length > (sub === 'list' ? 0 : 1)) throw new DmgwError('USAGE', `unexpected argument "${positionals[sub === 'list' ? 0 : 1]}"`, {}, 'run `dmgw help gateway`');
    // loaded here, not at start-up: the Azure SDK is large and only these verbs need it
    const m: typeof Management = await import('../management/index.js');
    const scope = m.scopeOf(await m.resolveTarget(values, io.env));
    const json = values.json === true;
    const out = (v: unknown, text: string) => write(io.stdout, json ? JSON.stringify(v, null, 2) : text);
    switch (sub) {
      case 'list': {
        const all = await m.listGateways(scope);
        out(all, all.length ? all.map(summaryLine).join('\n') : `no gateways in factory ${scope.factory} — \`dmgw gateway create NAME\` makes one`);
        return ExitCode.Ok;
      }
      case 'show': {
        const g = await m.showGateway(scope, name!);
        out(g, detailText(g));
        return ExitCode.Ok;
      }
      case 'create': {
        const factory = values['create-factory'] ? await m.ensureFactory(scope, values.location ?? 'local') : { created: false };
        const g = await m.createGateway(scope, name!, { description: values.description });
        out({ ...g, factoryCreated: factory.created }, `${factory.created ? `created factory ${scope.factory}\n` : ''}created gateway ${g.name} in factory ${scope.factory} (${g.state})\nnext: \`dmgw gateway keys ${g.name} --key authKey1\` and, on the gateway machine, \`dmgw register --key-stdin\``);
        return ExitCode.Ok;
      }
      case 'upgrade': {
        const g = await m.upgradeGateway(scope, name!);
        out(g, g.rollout ? detailText(g) : `upgrade asked for gateway ${g.name}${scope.azure ? '' : ' — no agent release is published on the service (dmgw service publish-agent)'}`);
        return ExitCode.Ok;
      }
      case 'remove':
        await m.removeGateway(scope, name!);
        out({ removed: name }, `removed gateway ${name} from factory ${scope.factory}; its nodes stop at their next poll`);
        return ExitCode.Ok;
      case 'keys': {
        const keys = await m.gatewayKeys(scope, name!);
        const one = values.key === undefined ? undefined : keyName(values.key);
        if (one) out({ [one]: keys[one] }, keys[one]);
        else out(keys, `authKey1  ${keys.authKey1}\nauthKey2  ${keys.authKey2}`);
        return ExitCode.Ok;
      }
      case 'regenerate-key': {
        if (values.key === undefined) throw new DmgwError('USAGE', 'which key: --key authKey1 or --key authKey2?', { field: 'key' });
        const k = keyName(values.key);
        const key = await m.regenerateGatewayKey(scope, name!, k);
        out({ [k]: key }, `${k}  ${key}`);
        if (!json) write(io.stderr, `${k} of gateway ${name} was regenerated: nodes registered with the old one stop at their next poll; register them again with this key`);
        return ExitCode.Ok;
      }
      case 'certificate':
        return certificate(m, scope, name!, values, io, json);
    }
    return ExitCode.Usage;
  },
};

function keyName(v: string): KeyName {
  if (!KEY_NAMES.includes(v as KeyName)) throw new DmgwError('USAGE', `--key must be authKey1 or authKey2, not "${v}"`, { field: 'key' });
  return v as KeyName;
}

async function certificate(m: typeof Management, scope: FactoryScope, name: string, values: { node?: string; out?: string }, io: CommandIo, json: boolean): Promise<number> {
  const all = await m.gatewayCertificates(scope, name);
  const chosen = values.node ? all.filter((c) => c.nodeName.toLowerCase() === values.node!.toLowerCase()) : all;
  const distinct = [...new Map(chosen.map((c) => [c.thumbprint, c])).values()];
  if (!distinct.length) {
    throw new DmgwError('NO_CERTIFICATES', values.node ? `gateway ${name} has no node ${values.node} with a certificate` : `gateway ${name} has no registered node yet, so no certificate`, {}, 'register a node first (`dmgw register`), or encrypt on the gateway machine with `dmgw encrypt`');
  }
  if (values.out) {
    if (distinct.length > 1) throw new DmgwError('USAGE', `the nodes of gateway ${name} registered with ${distinct.length} different certificates`, { field: 'node' }, `pick one with --node (${chosen.map((c) => c.nodeName).join(', ')})`);
    writeFileSync(values.out, distinct[0]!.certificate);
  }
  const text = chosen.map((c) => `${c.nodeName}  ${c.thumbprint}`).join('\n') + (values.out ? `\nwrote ${values.out}: encrypt with \`dmgw encrypt FILE --cert ${values.out}\`` : '');
  write(io.stdout, json ? JSON.stringify(values.out ? { ...distinct[0], file: values.out } : chosen, null, 2) : text);
  return ExitCode.Ok;
}

function summaryLine(g: GatewaySummary): string {
  const online = g.nodes.filter((n) => n.status === 'Online').length;
  return `${g.name.padEnd(24)} ${g.state.padEnd(16)} ${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'}${g.nodes.length ? ` (${online} online)` : ''}${g.description ? `  ${g.description}` : ''}`;
}

function detailText(g: GatewayDetail): string {
  const lines = [
    `gateway:      ${g.name}`,
    `state:        ${g.state}`,
    ...(g.description ? [`description:  ${g.description}`] : []),
    ...(g.version ? [`version:      ${g.version}`] : []),
    ...(g.createTime ? [`created:      ${g.createTime}`] : []),
    `nodes:        ${g.nodes.length || 'none — register one with `dmgw register KEY` (keys: `dmgw gateway keys ' + g.name + '`)'}`,
  ];
  for (const n of g.nodes) {
    const jobs = n.runningJobs !== undefined ? `, ${n.runningJobs}/${n.concurrentJobsLimit ?? '?'} jobs` : n.concurrentJobsLimit !== undefined ? `, limit ${n.concurrentJobsLimit}` : '';
    lines.push(`  ${n.name.padEnd(20)} ${n.status.padEnd(16)} ${n.machineName ?? ''}${n.version ? ` v${n.version}` : ''}${jobs}${n.lastConnectTime ? `, last seen ${n.lastConnectTime}` : ''}`);
    if (n.certificateThumbprint) lines.push(`  ${''.padEnd(20)} certificate ${n.certificateThumbprint}`);
  }
  const r = g.rollout;
  if (r) {
    const where = r.status === 'InProgress' ? `, now ${r.currentNode ?? '(choosing the next node)'}` : '';
    lines.push(`rollout:      agent ${r.version} ${r.status}${where}; updated ${r.updatedNodes.join(', ') || 'none'}; pending ${r.pendingNodes.join(', ') || 'none'}`);
    if (r.reason) lines.push(`              ${r.status === 'Halted' ? 'halted: ' : ''}${r.reason}`);
  }
  return lines.join('\n');
}
