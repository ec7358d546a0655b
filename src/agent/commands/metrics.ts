/** `dmgw metrics [--json]`: the running host's metrics (its metrics endpoint, `metrics.port`), as the Configuration Manager shows them. */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { GatewayHome } from '../config/home.js';
import { write, type Command } from './command.js';
import { gatewayStatus } from './status.js';

/** One sample: a histogram shows as its `_count` and `_sum` (and buckets with `le`). */
export interface MetricSample {
  name: string;
  help: string;
  type: string;
  labels: Record<string, string | number>;
  value: number;
}

export const metricsCommand: Command = {
  name: 'metrics',
  summary: "the running host's metrics (what Prometheus scrapes from metrics.port)",
  usage: 'Usage:\n  dmgw metrics [--json]\n      Reads the running host\'s metrics endpoint (dmgw config set metrics.port PORT turns it on; restart the host) and\n      prints each sample, or a JSON array of {name, help, type, labels, value}.',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const s = gatewayStatus(GatewayHome.resolve({ env: io.env }));
    if (!s.metrics.enabled) throw new DmgwError('METRICS_OFF', 'the metrics endpoint is off', { field: 'metrics.port' }, 'dmgw config set metrics.port 9464, then restart the host (dmgw stop; dmgw start)');
    if (!s.host.running || !s.metrics.listening) throw new DmgwError('METRICS_NOT_SERVED', `metrics.port is ${s.metrics.port}, but ${s.host.running ? `the host does not listen there${s.metrics.message ? ` (${s.metrics.message})` : ''}` : 'the host is not running'}`, { field: 'metrics.port' }, s.host.running ? 'restart the host to apply the setting (dmgw stop; dmgw start)' : 'dmgw start');
    const host = s.metrics.host === '0.0.0.0' ? '127.0.0.1' : s.metrics.host;
    let raw: Array<{ name: string; help: string; type: string; values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }> }>;
    try {
      const r = await fetch(`http://${host}:${s.metrics.port}/metrics?format=json`, { signal: AbortSignal.timeout(10_000) });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      raw = (await r.json()) as typeof raw;
    } catch (e) {
      throw new DmgwError('METRICS_UNREACHABLE', `cannot read http://${host}:${s.metrics.port}/metrics: ${(e as Error).message}`, {}, 'dmgw diagnose and the log (dmgw logs) say more');
    }
    const samples: MetricSample[] = raw.flatMap((m) => m.values.map((v) => ({ name: v.metricName ?? m.name, help: m.help, type: m.type, labels: v.labels, value: v.value })));
    if (values.json) write(io.stdout, JSON.stringify(samples));
    else write(io.stdout, samples.map((x) => `${x.name}${Object.keys(x.labels).length ? `{${Object.entries(x.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}` : ''} ${x.value}`).join('\n'));
    return ExitCode.Ok;
  },
};
