/**
 * `dmgw service token rotate`: a new admin token for the factory service whose data folder this is. Every running
 * replica sharing the folder refuses the old token from its next request (service/secrets/adminToken.ts). The token
 * is written to the folder's `admin-token` file and printed only with `--show`: a terminal's scrollback and a CI log
 * are not where a credential belongs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { adminTokenFile, rotateAdminToken } from '../../service/secrets/adminToken.js';
import { metricsTokenFile, rotateMetricsToken } from '../../service/secrets/metricsToken.js';
import { write, type CommandIo } from './command.js';

export const TOKEN_USAGE = `  dmgw service token rotate [--data DIR] [--metrics] [--show] [--json]
      Replaces the admin token in DIR/admin-token (default ./dmgw-service; 0600, written whole and renamed into place).
      Every running replica sharing DIR refuses the old token from its next request — no restart. Prints where the
      new token is; --show prints the token itself. Give it to ARM clients again (DMGW_TOKEN_FILE reads the file).
      --metrics replaces the scrape token of GET /metrics (DIR/metrics-token) instead.`;

export async function serviceToken(args: string[], io: CommandIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'rotate') throw new DmgwError('USAGE', verb ? `unknown token action "${verb}"` : 'which token action: rotate?', {}, TOKEN_USAGE.trim().split('\n')[0]);
  const { values } = parseArgs({ args: rest, options: { data: { type: 'string', default: 'dmgw-service' }, metrics: { type: 'boolean' }, show: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  const dataDir = resolve(io.cwd, values.data!);
  const file = adminTokenFile(dataDir);
  // never make a token for a folder that is not a service's: a typo must not leave a stray credential behind
  if (!existsSync(file)) throw new DmgwError('SERVICE_DATA', `${dataDir} holds no admin token: it is not the data folder of a factory service`, { file: dataDir, field: '--data' }, 'pass the --data folder `dmgw service start` uses (its ready line names it as dataDir)');
  if (values.metrics) {
    const token = rotateMetricsToken(dataDir);
    const scrape = metricsTokenFile(dataDir);
    if (values.json) write(io.stdout, JSON.stringify({ metricsTokenFile: scrape, ...(values.show ? { token } : {}) }));
    else write(io.stdout, `${values.show ? `${token}\n` : ''}new scrape token in ${scrape}; give it to Prometheus (bearer_token_file) — the old one is refused from now on`);
    return ExitCode.Ok;
  }
  const token = rotateAdminToken(dataDir);
  if (values.json) write(io.stdout, JSON.stringify({ adminTokenFile: file, ...(values.show ? { token } : {}) }));
  else write(io.stdout, `${values.show ? `${token}\n` : ''}new admin token in ${file}; the old one is refused from now on by every replica using ${dataDir}`);
  return ExitCode.Ok;
}
