/**
 * `dmgw install-service` / `dmgw uninstall-service`: run the node as a systemd service (service/systemdUnit.ts) under a
 * dedicated user. Linux with systemd only; the README says how to do the same with launchd and as a Windows service.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { VERSION } from '../../common/version.js';
import { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { systemdUnit, UNIT_NAME } from '../service/systemdUnit.js';
import { write, type Command } from './command.js';

const SYSTEM_UNITS = '/etc/systemd/system';
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

const installUsage = `Usage:
  dmgw install-service [--user NAME] [--home DIR] [--dry-run] [--unit-dir DIR]
      Runs this node as a systemd service: creates the system user NAME (default dmgw) when missing, the gateway home
      DIR (default /var/lib/dmgw, 0700, owned by NAME), writes ${SYSTEM_UNITS}/${UNIT_NAME} running \`dmgw launch\` (the
      update launcher, so agent updates work) as NAME with DMGW_HOME=DIR, restarted on failure and sandboxed
      (NoNewPrivileges, ProtectSystem=strict with ReadWritePaths for the home and fileSystem.allowedRoots, private
      /tmp), then \`systemctl daemon-reload\` and \`systemctl enable --now\`. Run it as root. Register the node as that
      user afterwards (the command prints how); the running service picks the registration up. Run it again after
      changing fileSystem.allowedRoots.
      --dry-run prints the unit and the commands, changing nothing. --unit-dir DIR only writes the unit into DIR (for
      a package or configuration management; no user, no home, no systemctl).
      macOS (launchd) and Windows: see the README, "Run as a system service".`;

const uninstallUsage = `Usage:
  dmgw uninstall-service [--dry-run] [--unit-dir DIR]
      \`systemctl disable --now ${UNIT_NAME}\`, removes the unit and reloads systemd. The gateway home and the user stay
      (their removal is printed): the node's certificate and registration are in the home.`;

interface Step {
  describe: string;
  run: () => void;
}

export const installServiceCommand: Command = {
  name: 'install-service',
  summary: 'run this node as a systemd service under a dedicated user (launchd/Windows: see the README)',
  usage: installUsage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { user: { type: 'string', default: 'dmgw' }, home: { type: 'string', default: '/var/lib/dmgw' }, 'dry-run': { type: 'boolean' }, 'unit-dir': { type: 'string' } }, strict: true });
    onSystemd();
    const user = values.user!;
    if (!USER.test(user)) throw new DmgwError('USAGE', `"${user}" is not a user name systemd and useradd take`, { field: 'user' }, 'lower-case letters, digits, "_" and "-", starting with a letter or "_", at most 32: --user dmgw');
    const home = resolve(io.cwd, values.home!);
    if (/[\n\r]/.test(home)) throw new DmgwError('USAGE', 'the home path holds a line break', { field: 'home' });
    const node = process.execPath;
    const cli = realpathSync(process.argv[1]!);
    const roots = allowedRoots(home);
    const unit = systemdUnit({ user, home, node, cli, allowedRoots: roots, agentVersion: VERSION });
    const unitDir = values['unit-dir'] ? resolve(io.cwd, values['unit-dir']) : SYSTEM_UNITS;
    const unitFile = join(unitDir, UNIT_NAME);
    const steps: Step[] = [];
    if (!values['unit-dir']) {
      if (!userExists(user)) steps.push({ describe: `useradd --system --user-group --home-dir ${home} --no-create-home --shell /usr/sbin/nologin ${user}`, run: () => sh('useradd', ['--system', '--user-group', '--home-dir', home, '--no-create-home', '--shell', '/usr/sbin/nologin', user]) });
      steps.push({ describe: `mkdir -p ${home} && chmod 700 ${home} && chown -R ${user}:${user} ${home}`, run: () => makeHome(home, user) });
    }
    steps.push({ describe: `write ${unitFile}`, run: () => writeUnit(unitFile, unit) });
    if (!values['unit-dir']) {
      steps.push({ describe: 'systemctl daemon-reload', run: () => sh('systemctl', ['daemon-reload']) });
      steps.push({ describe: `systemctl enable --now ${UNIT_NAME}`, run: () => sh('systemctl', ['enable', '--now', UNIT_NAME]) });
    }
    const warnings = readability([node, cli]);
    if (values['dry-run']) {
      write(io.stdout, `${unit}\n# would run:\n${steps.map((s) => `#   ${s.describe}`).join('\n')}${warnings.map((w) => `\n# warning: ${w}`).join('')}`);
      return ExitCode.Ok;
    }
    for (const s of steps) s.run();
    for (const w of warnings) write(io.stderr, `warning: ${w}`);
    write(
      io.stdout,
      values['unit-dir']
        ? `wrote ${unitFile}`
        : `${UNIT_NAME} installed and started as user ${user} with DMGW_HOME=${home}\nregister the node as that user (the service picks it up):\n  dmgw gateway keys NAME --key authKey1 | sudo -u ${user} DMGW_HOME=${home} ${node} ${cli} register --key-stdin\nthen: systemctl status ${UNIT_NAME}; sudo -u ${user} DMGW_HOME=${home} ${node} ${cli} status`,
    );
    return ExitCode.Ok;
  },
};

export const uninstallServiceCommand: Command = {
  name: 'uninstall-service',
  summary: 'stop and remove the systemd service (the gateway home stays)',
  usage: uninstallUsage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, 'unit-dir': { type: 'string' } }, strict: true });
    onSystemd();
    const unitFile = join(values['unit-dir'] ? resolve(io.cwd, values['unit-dir']) : SYSTEM_UNITS, UNIT_NAME);
    const steps: Step[] = [];
    if (!values['unit-dir']) steps.push({ describe: `systemctl disable --now ${UNIT_NAME}`, run: () => sh('systemctl', ['disable', '--now', UNIT_NAME]) });
    steps.push({ describe: `remove ${unitFile}`, run: () => rmSync(unitFile, { force: true }) });
    if (!values['unit-dir']) steps.push({ describe: 'systemctl daemon-reload', run: () => sh('systemctl', ['daemon-reload']) });
    if (!existsSync(unitFile)) throw new DmgwError('NOT_INSTALLED', `${unitFile} does not exist: the service is not installed here`, { file: unitFile }, values['unit-dir'] ? 'pass the --unit-dir it was written to' : 'dmgw install-service installs it');
    if (values['dry-run']) {
      write(io.stdout, `# would run:\n${steps.map((s) => `#   ${s.describe}`).join('\n')}`);
      return ExitCode.Ok;
    }
    for (const s of steps) s.run();
    write(io.stdout, `${UNIT_NAME} removed. The gateway home and its user stay; to remove them too: rm -r HOME; userdel USER`);
    return ExitCode.Ok;
  },
};

function onSystemd(): void {
  if (process.platform !== 'linux') throw new DmgwError('UNSUPPORTED', `install-service writes a systemd unit; this is ${process.platform}`, {}, process.platform === 'darwin' ? 'use a launchd daemon instead: README, "Run as a system service"' : 'use a Windows service (WinSW, NSSM or sc.exe): README, "Run as a system service"');
}

function allowedRoots(home: string): string[] {
  try {
    return (readSettings(new GatewayHome(home))['fileSystem.allowedRoots'] ?? '').split(',').filter((r) => r && isAbsolute(r));
  } catch (e) {
    throw new DmgwError('SETTINGS_INVALID', `the settings of ${home} do not read: ${(e as Error).message}`, { file: home }, 'fix them first (dmgw config): their allowed folders become the unit\'s ReadWritePaths');
  }
}

function userExists(user: string): boolean {
  return spawnSync('id', ['-u', user], { stdio: 'ignore' }).status === 0;
}

function makeHome(home: string, user: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  chownTree(home, uid, gid);
}

function chownTree(p: string, uid: number, gid: number): void {
  chownSync(p, uid, gid);
  if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownTree(join(p, e), uid, gid);
}

function writeUnit(file: string, unit: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, unit, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DmgwError('INSTALL_FAILED', `cannot write ${file} (${code ?? (e as Error).message})`, { file }, code === 'EACCES' || code === 'EPERM' ? 'run it as root: sudo dmgw install-service' : 'check the folder');
  }
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : (r.stderr || r.stdout).trim() || `exit ${r.status}`;
    throw new DmgwError('INSTALL_FAILED', `${cmd} ${args.join(' ')} failed: ${why}`, {}, cmd === 'systemctl' ? 'is systemd running here (PID 1)? In a container without it, write the unit with --unit-dir and start `dmgw launch` another way' : 'run it as root: sudo dmgw install-service');
  }
}

/** The service user must read node and the bundle: every folder on the way searchable and the file readable by others. */
function readability(files: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    let p = f;
    let ok = true;
    try {
      if (!(statSync(p).mode & 0o004)) ok = false;
      for (p = dirname(f); ok && p !== dirname(p); p = dirname(p)) if (!(statSync(p).mode & 0o001)) ok = false;
      accessSync(f, constants.R_OK);
    } catch {
      ok = false;
    }
    if (!ok) out.push(`${f} may not be readable by the service user (${p} is closed to others): install dmgw where every account can read it (npm install -g, /opt, /usr/local)`);
  }
  return out;
}

