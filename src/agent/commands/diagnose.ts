/** `dmgw diagnose [--json | --html FILE] [--factory DIR]`: the node's health report, every check with its fix. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import type { HealthReport } from '../diagnose/check.js';
import { healthReportHtml } from '../diagnose/html.js';
import { healthReportFile, runDiagnose } from '../diagnose/index.js';
import { write, type Command } from './command.js';

const usage = `Usage:
  dmgw diagnose [--json | --html FILE] [--factory DIR] [--timeout SECONDS]
      Checks this gateway node and says what to fix: Node.js version, the gateway home's permissions, free disk,
      the gateway certificate's validity, settings, agent updates; the registration, the host, and whether the
      service still accepts the node's credential (a regenerated key shows here); the way to the factory service
      step by step — DNS, TCP, the proxy's CONNECT, TLS, the pinned certificate, the service certificate's expiry,
      the clock skew against the service; the credential endpoint; with --factory, a test connection to every
      linked service of that folder (each at most --timeout seconds, default 20); the latest errors in the log.
      Each check is ok, warn, fail or skip, with a fix for every warn and fail. --json prints the report as JSON,
      --html FILE writes it as a web page. The last report is kept in DMGW_HOME/logs/health-report.json
      (\`dmgw logs bundle\` includes it). Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage.`;

export const diagnoseCommand: Command = {
  name: 'diagnose',
  summary: 'health report of this node: every check ok/warn/fail with its fix',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, html: { type: 'string' }, factory: { type: 'string', short: 'f' }, timeout: { type: 'string' } }, strict: true });
    if (values.json && values.html) throw new DmgwError('USAGE', '--json and --html are two forms of the same report: pick one', {}, usage.split('\n')[1]);
    const seconds = values.timeout === undefined ? 20 : Number(values.timeout);
    if (!(seconds > 0)) throw new DmgwError('USAGE', `--timeout ${values.timeout} is not a positive number of seconds`, { field: 'timeout' });
    const home = GatewayHome.resolve({ env: io.env });
    const report = await runDiagnose({ home, env: io.env, factory: values.factory && resolve(io.cwd, values.factory), timeoutSeconds: seconds });
    if (values.json) write(io.stdout, JSON.stringify(report, null, 2));
    else if (values.html) {
      const file = resolve(io.cwd, values.html);
      writeFileSync(file, healthReportHtml(report), { mode: 0o600 });
      write(io.stdout, `${summaryLine(report)}\nwrote ${file}`);
    } else write(io.stdout, `${reportText(report)}\n${summaryLine(report)}${home.exists() ? ` — kept in ${healthReportFile(home)}` : ''}`);
    return report.summary.fail ? ExitCode.Failed : ExitCode.Ok;
  },
};

export function reportText(r: HealthReport): string {
  const lines: string[] = [];
  let group = '';
  for (const c of r.checks) {
    if (c.group !== group) lines.push(`${lines.length ? '\n' : ''}${(group = c.group)}`);
    const detail = c.detail.split('\n');
    lines.push(`  ${c.status.toUpperCase().padEnd(5)} ${c.title}: ${detail[0]}`, ...detail.slice(1).map((d) => `        ${d}`));
    if (c.fix) lines.push(`        fix: ${c.fix}`);
  }
  return lines.join('\n');
}

const summaryLine = (r: HealthReport): string => `${r.summary.fail} failed, ${r.summary.warn} warning(s), ${r.summary.ok} ok, ${r.summary.skip} skipped`;
