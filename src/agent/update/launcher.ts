/**
 * The launcher (what `dmgw start` leaves running in the background): runs `dmgw host` from the verified current
 * version in DMGW_HOME/versions (or its own bundle when there is none), and restarts it when it exits with
 * ExitCode.Updating. A new version must pass a self-check (`cli.js --version` prints that version) and stay up for
 * `probationMs`; if it does not, the launcher marks that bundle (version + SHA-256) failed, points `current` back at
 * the previous version and starts that — an automatic rollback. Every start re-verifies the version it launches.
 * Any other exit of the host ends the launcher with the host's code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { ExitCode } from '../../common/exitCodes.js';
import type { Logger } from '../../common/log.js';
import type { GatewayHome } from '../config/home.js';
import { trustedKeys } from './trustStore.js';
import { markFailed, readCurrentVersion, switchCurrent, verifiedCli } from './versions.js';

export interface LaunchOptions {
  home: GatewayHome;
  /** The bundle this launcher came with (the VS Code extension's, the npm package's): the fallback. */
  ownCli: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  hostArgs: string[];
  probationMs?: number;
}

/**
 * Which bundle to run: `current` when it is installed and verifies now — signed by a release key trusted at this
 * moment, bytes matching its manifest — else our own. A key removed from the trust list stops its releases here.
 */
export function launchTarget(home: GatewayHome, ownCli: string, log?: Logger): { cli: string; version?: string } {
  const cur = readCurrentVersion(home);
  if (!cur) return { cli: ownCli };
  const v = verifiedCli(home, cur.version, trustedKeys(home, log));
  if ('cli' in v) return { cli: v.cli, version: cur.version };
  log?.error(`not launching agent ${cur.version} from ${home.versionsDir}: ${v.why}; running the bundled agent`);
  return { cli: ownCli };
}

export async function runLauncher(o: LaunchOptions): Promise<number> {
  const probationMs = o.probationMs ?? Number(o.env.DMGW_UPDATE_PROBATION_SECONDS ?? 20) * 1000;
  let stopping = false;
  let child: ReturnType<typeof spawn> | undefined;
  const forward = (sig: NodeJS.Signals) => () => {
    stopping = true;
    child?.kill(sig);
  };
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  let fresh = false;
  for (;;) {
    const target = launchTarget(o.home, o.ownCli, o.log);
    if (fresh && target.version && !selfCheck(target.cli, target.version, o.env)) {
      rollback(o, target.version, 'its self-check failed (`--version` did not print it)');
      fresh = false;
      continue;
    }
    o.log.info(`launching host: ${target.version ? `agent ${target.version} from ${target.cli}` : `bundled agent ${target.cli}`}`);
    const started = Date.now();
    child = spawn(process.execPath, [target.cli, 'host', ...o.hostArgs], { env: o.env, stdio: 'inherit' });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child!.once('exit', (c, s) => r({ code: c, signal: s })));
    if (stopping) return code ?? ExitCode.Cancelled;
    if (code === ExitCode.Updating) {
      o.log.info('the host installed a new agent version; restarting it');
      fresh = true;
      continue;
    }
    // a clean exit (0: `dmgw stop` sent SIGTERM) is a stop, not a failed start
    if (fresh && target.version && code !== ExitCode.Ok && Date.now() - started < probationMs) {
      rollback(o, target.version, `it exited within ${Math.round(probationMs / 1000)} s of starting (${signal ?? `code ${code}`})`);
      fresh = false;
      continue;
    }
    o.log.info(`host exited (${signal ?? `code ${code}`})`);
    return code ?? ExitCode.Cancelled;
  }
}

function selfCheck(cli: string, version: string, env: NodeJS.ProcessEnv): boolean {
  const r = spawnSync(process.execPath, [cli, '--version'], { env, encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && r.stdout.trim() === `dmgw ${version}`;
}

function rollback(o: LaunchOptions, bad: string, why: string): void {
  const previous = readCurrentVersion(o.home)?.previous;
  markFailed(o.home, bad, why);
  switchCurrent(o.home, previous, undefined);
  o.log.error(`agent ${bad} failed: ${why}; rolled back to ${previous ?? 'the bundled agent'}`);
}
