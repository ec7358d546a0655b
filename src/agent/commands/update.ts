/**
 * `dmgw update [--check] [--to V [--allow-downgrade]]` and `dmgw update trust add|list|remove`: the agent versions
 * here, the schedule, the release keys this node trusts and what the host last refused; or a request to the host to
 * update now (the newest release, or exactly V).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { compareVersions, isVersion, VERSION_HINT } from '../../common/gateway/agentRelease.js';
import { shortKeyId } from '../../common/gateway/releaseManifest.js';
import { VERSION } from '../../common/version.js';
import { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { nextUpdateWindow, parseUpdateSchedule } from '../config/updateSchedule.js';
import { readHostState, type UpdateNotice } from '../host/hostState.js';
import { runningHostPid } from '../host/lock.js';
import { readUpdateRequest, writeUpdateRequest, type UpdateRequest } from '../update/request.js';
import { addTrustedKey, NO_TRUSTED_KEY, removeTrustedKey, trustedKeys } from '../update/trustStore.js';
import { readCurrentVersion } from '../update/versions.js';
import { write, type Command, type CommandIo } from './command.js';

export interface UpdateReport {
  schedule: string;
  nextWindow?: string;
  /** The version `current` points at in DMGW_HOME/versions (absent: the bundled agent runs). */
  installed?: string;
  previous?: string;
  bundled: string;
  hostVersion?: string;
  /** Release keys this node trusts (ids); none = updates are off. */
  trustedKeys: string[];
  /** Why no update can be installed, when none can. */
  off?: string;
  /** A pending `dmgw update` request. */
  request?: UpdateRequest;
  /** What the running host last said about updates: a refused or failed release, a wait. */
  notice?: UpdateNotice;
}

export function updateReport(home: GatewayHome): UpdateReport {
  const cur = readCurrentVersion(home);
  const pid = runningHostPid(home);
  const st = readHostState(home);
  const live = pid && st?.pid === pid ? st : undefined;
  const keys = trustedKeys(home).map((k) => k.id);
  const report: UpdateReport = { schedule: '', installed: cur?.version, previous: cur?.previous, bundled: VERSION, hostVersion: live?.version, trustedKeys: keys, off: keys.length ? undefined : NO_TRUSTED_KEY, request: readUpdateRequest(home), notice: live?.updateNotice };
  try {
    report.schedule = readSettings(home)['update.schedule'];
    report.nextWindow = nextUpdateWindow(parseUpdateSchedule(report.schedule), new Date())?.toISOString();
  } catch (e) {
    // a hand-edited bad setting: the rest of the report still shows
    report.schedule = `(invalid: ${(e as Error).message})`;
  }
  return report;
}

const usage = `Usage:
  dmgw update --check [--json]
      The running and installed agent versions, the schedule (update.schedule) and its next window, the release
      keys this node trusts, and what the host last refused (and why).
  dmgw update [--to VERSION [--allow-downgrade]] [--json]
      Asks the host to install the service's newest agent — or exactly VERSION — at its next heartbeat, whatever the
      schedule, once no job runs (like ARM \`upgrade\` on the integration runtime). The host still installs only a
      release signed by a trusted key and newer than what it runs; --allow-downgrade (with --to) lets it install
      an older VERSION, once. To stay there, \`dmgw config set update.schedule off\` and do not ARM-upgrade.
      A new \`dmgw update\` replaces a pending request (a --to the service cannot offer waits until then).
  dmgw update trust add FILE [--json]     trust a release public key (release-public-key.pem)
  dmgw update trust list [--json]         the trusted release keys
  dmgw update trust remove KEYID          stop trusting one (its releases are no longer installed or launched)
Release keys live in DMGW_HOME/trusted-release-keys; with none, updates are off.`;

export const updateCommand: Command = {
  name: 'update',
  summary: 'agent updates: versions, schedule, trusted release keys (--check, trust); update now (or to a version)',
  usage,
  async run(args, io) {
    const home = GatewayHome.resolve({ env: io.env });
    if (args[0] === 'trust') return trust(home, args.slice(1), io);
    const { values } = parseArgs({ args, options: { check: { type: 'boolean' }, json: { type: 'boolean' }, to: { type: 'string' }, 'allow-downgrade': { type: 'boolean' } }, strict: true });
    if (values.check && (values.to || values['allow-downgrade'])) throw new DmgwError('USAGE', '--check only shows; it takes no --to or --allow-downgrade', {}, 'run `dmgw update --to V` to ask for a version');
    if (values['allow-downgrade'] && !values.to) throw new DmgwError('USAGE', '--allow-downgrade needs --to VERSION: a downgrade is to one version you name', { field: 'to' });
    let asked: UpdateRequest | undefined;
    if (!values.check) asked = request(home, values.to, values['allow-downgrade'] === true);
    const r = updateReport(home);
    if (values.json) write(io.stdout, JSON.stringify({ ...r, requested: !values.check }));
    else
      write(
        io.stdout,
        [
          ...(asked ? [`update requested: the host installs ${asked.to ? `agent ${asked.to}${asked.allowDowngrade ? ' (downgrade allowed)' : ''}` : 'the newest agent the service offers'} once no job runs, if it is signed by a trusted release key`] : []),
          `host runs:     ${r.hostVersion ?? '(not running)'}`,
          `installed:     ${r.installed ?? '(none: the bundled agent runs)'}${r.previous ? ` (previous ${r.previous})` : ''}`,
          `bundled:       ${r.bundled}`,
          `schedule:      ${r.schedule}${r.nextWindow ? ` (next window ${r.nextWindow})` : ''}`,
          `release keys:  ${r.trustedKeys.length ? r.trustedKeys.map(shortKeyId).join(', ') : `none — ${NO_TRUSTED_KEY}`}`,
          ...(values.check && r.request ? [`requested:     ${r.request.to ? `agent ${r.request.to}${r.request.allowDowngrade ? ' (downgrade allowed)' : ''}` : 'the newest agent'} (${r.request.at})`] : []),
          ...(r.notice ? [`last notice:   ${r.notice.message} (${r.notice.at})`] : []),
        ].join('\n'),
      );
    return ExitCode.Ok;
  },
};

/** Leaves the request for the host, after the checks the host would make anyway, so a mistake shows here. */
function request(home: GatewayHome, to: string | undefined, allowDowngrade: boolean): UpdateRequest {
  if (to !== undefined && !isVersion(to)) throw new DmgwError('USAGE', `--to "${to}" is not a version`, { field: 'to' }, VERSION_HINT);
  if (!trustedKeys(home).length) throw new DmgwError('NO_TRUSTED_KEY', 'updates are off: no release key is trusted here', {}, 'trust the release authority\'s public key first: dmgw update trust add release-public-key.pem');
  if (to !== undefined) {
    const running = updateReport(home).hostVersion ?? readCurrentVersion(home)?.version ?? VERSION;
    const order = compareVersions(to, running);
    if (order === 0) throw new DmgwError('USAGE', `agent ${to} is what runs here already`, { field: 'to' });
    if (order < 0 && !allowDowngrade) throw new DmgwError('USAGE', `agent ${to} is older than the running ${running}`, { field: 'to' }, `a downgrade must be asked for: dmgw update --to ${to} --allow-downgrade`);
  }
  return writeUpdateRequest(home, to ? { to, allowDowngrade: allowDowngrade || undefined } : {});
}

async function trust(home: GatewayHome, args: string[], io: CommandIo): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } }, strict: true });
  if (verb === 'list') {
    const keys = trustedKeys(home).map((k) => ({ id: k.id, file: k.file, addedAt: k.addedAt }));
    if (values.json) write(io.stdout, JSON.stringify(keys));
    else write(io.stdout, keys.length ? keys.map((k) => `${shortKeyId(k.id)}  ${k.id}  added ${k.addedAt}`).join('\n') : NO_TRUSTED_KEY);
    return ExitCode.Ok;
  }
  if ((verb !== 'add' && verb !== 'remove') || positionals.length !== 1) {
    throw new DmgwError('USAGE', verb === 'add' || verb === 'remove' ? `trust ${verb} takes one ${verb === 'add' ? 'FILE' : 'KEYID'}` : verb ? `unknown trust verb "${verb}"` : 'which one: trust add, list or remove?', {}, 'run `dmgw help update`');
  }
  if (verb === 'add') {
    const r = addTrustedKey(home, resolve(io.cwd, positionals[0]!));
    if (values.json) write(io.stdout, JSON.stringify(r));
    else write(io.stdout, `${r.added ? 'trusting' : 'already trusted:'} release key ${shortKeyId(r.id)} (id ${r.id}): agent releases it signs may be installed here`);
    return ExitCode.Ok;
  }
  const id = removeTrustedKey(home, positionals[0]!);
  const left = trustedKeys(home).length;
  if (values.json) write(io.stdout, JSON.stringify({ id, removed: true, trusted: left }));
  else write(io.stdout, `no longer trusting release key ${shortKeyId(id)}: its releases are neither installed nor launched here${left ? '' : `\n${NO_TRUSTED_KEY}`}`);
  return ExitCode.Ok;
}
