/**
 * The logger a dmgw command uses: warnings on stderr (everything with --verbose or DMGW_VERBOSE=1), and every
 * entry appended to the gateway home's log file when the gateway home exists — a command run on a machine that
 * is not a gateway (say, `dmgw encrypt --cert` on a laptop) leaves no folder behind.
 */
import { standardLogger, verboseFromEnv, type Logger, type LogRotation } from '../../common/log.js';
import type { CommandIo } from '../commands/command.js';
import { GatewayHome } from './home.js';
import { DEFAULT_SETTINGS, readSettings } from './settings.js';

export function commandLogger(io: CommandIo, component: string, verbose = false): Logger {
  const home = GatewayHome.resolve({ env: io.env });
  return standardLogger({ stream: io.stderr, verbose: verbose || verboseFromEnv(io.env), file: home.exists() ? home.logFile : undefined, rotation: logRotation(home), component });
}

/** The home's `logs.maxFileMb` / `logs.maxFiles`; the defaults when the settings do not read (a log must still be written). */
export function logRotation(home: GatewayHome): LogRotation {
  let s = DEFAULT_SETTINGS;
  try {
    s = readSettings(home);
  } catch {
    // a bad settings file is reported by the command that reads it
  }
  return { maxBytes: Math.round(s['logs.maxFileMb'] * 1048576), maxFiles: s['logs.maxFiles'] };
}
