/**
 * `dmgw logs`: the gateway's log (DMGW_HOME/logs/dmgw.log and its rotations) — the last lines, one run's lines, or
 * followed as it grows; `dmgw logs bundle OUT.tar.gz` packs what support needs (logs/bundle.ts: never a secret);
 * `dmgw logs send` uploads that bundle to the factory service over the node's own channel.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { SUPPORT_REPORT_MAX_BYTES } from '../../common/gateway/supportReport.js';
import { GatewayHome } from '../config/home.js';
import { Connection } from '../host/connection.js';
import { supportBundle } from '../logs/bundle.js';
import { entriesOf, logFiles, readEntries, RunFilter } from '../logs/reader.js';
import { write, type Command, type CommandIo } from './command.js';

const usage = `Usage:
  dmgw logs [--lines N] [--run RUNID] [--follow]
      The gateway's log (DMGW_HOME/logs/dmgw.log and its rotations, oldest first): the last N entries (default 200),
      or with --run every entry of that run (the host's lines about its job and worker, its failures and its end).
      --follow keeps printing new entries as they are written, across rotations, until Ctrl-C.
  dmgw logs bundle OUT.tar.gz [--no-diagnose]
      Packs what support needs into one archive: the logs, the settings, the proxy (never its password), versions,
      \`dmgw status\`, the certificates' public facts and a health report (\`dmgw diagnose\`, made now unless
      --no-diagnose: then the last one). Every line is redacted; private keys, the node credential, tokens and
      passwords are never in it.
  dmgw logs send [--note TEXT] [--no-diagnose] [--json]
      Makes that bundle and uploads it to the factory service over this node's channel (its credential, its proxy);
      the service keeps it for its operator (\`dmgw service reports\`) and answers a report id to quote to support.
      At most ${SUPPORT_REPORT_MAX_BYTES / 1048576} MiB.
Rotation: the settings logs.maxFileMb (default 10) and logs.maxFiles (default 5).`;

export const logsCommand: Command = {
  name: 'logs',
  summary: "the gateway's log: show, follow, one run's lines; bundle for support; send to the service",
  usage,
  async run(args, io) {
    const home = GatewayHome.resolve({ env: io.env });
    if (args[0] === 'bundle') return bundle(home, args.slice(1), io);
    if (args[0] === 'send') return send(home, args.slice(1), io);
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { lines: { type: 'string', short: 'n' }, run: { type: 'string' }, follow: { type: 'boolean', short: 'f' } }, strict: true });
    if (positionals.length) throw new DmgwError('USAGE', `unknown sub-command "${positionals[0]}"`, {}, 'dmgw logs [--lines N] [--run RUNID] [--follow], dmgw logs bundle OUT.tar.gz, dmgw logs send');
    const lines = values.lines === undefined ? 200 : Number(values.lines);
    if (!Number.isInteger(lines) || lines < 0) throw new DmgwError('USAGE', `--lines ${values.lines} is not a whole number`, { field: 'lines' });
    const filter = values.run ? new RunFilter(values.run) : undefined;
    const all = readEntries(logFiles(home)).filter((e) => !filter || filter.keep(e));
    const shown = filter ? all : all.slice(-lines);
    if (shown.length) write(io.stdout, shown.join('\n'));
    else if (!values.follow) write(io.stderr, filter ? `no entries of run ${values.run} in ${home.logFile}*` : `${home.logFile} is empty or missing`);
    if (!values.follow) return ExitCode.Ok;
    await follow(home.logFile, io, filter);
    return ExitCode.Ok;
  },
};

/** Prints what is appended to `file` from now on, reopening it when it is rotated, until SIGINT/SIGTERM. */
async function follow(file: string, io: CommandIo, filter?: RunFilter): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let fd: number | undefined;
  let pos = 0;
  let partial = '';
  const open = (fromStart: boolean) => {
    try {
      fd = openSync(file, 'r');
      pos = fromStart ? 0 : fstatSync(fd).size;
    } catch {
      fd = undefined;
    }
  };
  const drain = () => {
    if (fd === undefined) return;
    const buf = Buffer.alloc(65536);
    for (let n = readSync(fd, buf, 0, buf.length, pos); n > 0; n = readSync(fd, buf, 0, buf.length, pos)) {
      pos += n;
      partial += buf.toString('utf8', 0, n);
    }
    const cut = partial.lastIndexOf('\n');
    if (cut < 0) return;
    const entries = entriesOf(partial.slice(0, cut + 1)).filter((e) => !filter || filter.keep(e));
    partial = partial.slice(cut + 1);
    if (entries.length) io.stdout.write(`${entries.join('\n')}\n`);
  };
  open(false);
  try {
    while (!stop.signal.aborted) {
      await new Promise((r) => setTimeout(r, 250));
      drain();
      const there = statSync(file, { throwIfNoEntry: false });
      if (fd === undefined || !there || there.ino !== fstatSync(fd).ino) {
        // rotated: the rest of the old file was drained above; the new one is read from its start
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
        if (there) open(true);
        drain();
      }
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function bundle(home: GatewayHome, args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'no-diagnose': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  if (positionals.length !== 1) throw new DmgwError('USAGE', 'dmgw logs bundle takes one file to write: OUT.tar.gz', {}, 'dmgw logs bundle support.tar.gz');
  if (!home.exists()) throw new DmgwError('NO_HOME', `${home.root} does not exist: there is nothing to bundle`, { file: home.root }, 'set DMGW_HOME to the gateway home');
  const out = resolve(io.cwd, positionals[0]!);
  const b = await supportBundle(home, io.env, { diagnose: !values['no-diagnose'] });
  writeFileSync(out, b.bytes, { mode: 0o600 });
  write(io.stdout, values.json ? JSON.stringify({ file: out, size: b.bytes.length, files: b.files }) : `wrote ${out} (${b.bytes.length} bytes): ${b.files.length} files under ${b.folder}/ — no key, credential, token or password is in it`);
  return ExitCode.Ok;
}

async function send(home: GatewayHome, args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: { note: { type: 'string' }, 'no-diagnose': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  if (values.note !== undefined && values.note.length > 500) throw new DmgwError('USAGE', `--note is ${values.note.length} characters; at most 500`, { field: 'note' });
  const conn = new Connection(home, io.env);
  if (!(await conn.load())) throw new DmgwError('NOT_REGISTERED', 'this gateway home is not registered, so there is no service to send to', { file: home.root }, 'write the bundle to a file instead (dmgw logs bundle OUT.tar.gz), or register first (dmgw register KEY)');
  try {
    const b = await supportBundle(home, io.env, { diagnose: !values['no-diagnose'] });
    if (b.bytes.length > SUPPORT_REPORT_MAX_BYTES) throw new DmgwError('BUNDLE_TOO_LARGE', `the bundle has ${b.bytes.length} bytes; the service takes at most ${SUPPORT_REPORT_MAX_BYTES}`, {}, 'write it to a file (dmgw logs bundle OUT.tar.gz) and hand it over another way; lower logs.maxFileMb or logs.maxFiles for the future');
    const r = await conn.current().uploadSupportReport(b.bytes, values.note);
    write(io.stdout, values.json ? JSON.stringify({ ...r, files: b.files }) : `sent support report ${r.reportId} to ${conn.registration!.serviceUrl} (${r.size} bytes, sha256 ${r.sha256}); quote this id to support`);
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof Error && 'kind' in e) throw new DmgwError('SEND_FAILED', `the service did not take the report: ${e.message}`, {}, 'dmgw diagnose shows why the service cannot be reached; dmgw logs bundle OUT.tar.gz writes the bundle to a file meanwhile');
    throw e;
  } finally {
    await conn.client?.close().catch(() => undefined);
  }
}
