/** What a node tells the service about its machine, and how busy it is (for heartbeats and monitoring). */
import { arch, cpus, freemem, hostname, loadavg, platform, release, totalmem } from 'node:os';
import type { MachineInfo } from '../../common/gateway/protocol.js';
import { VERSION } from '../../common/version.js';

export function machineInfo(): MachineInfo {
  return { machineName: hostname(), version: VERSION, os: `${platform()} ${release()}`, arch: arch(), cpus: cpus().length, memoryMb: Math.round(totalmem() / 1048576) };
}

/** CPU use as the 1-minute load over the core count, in percent (cheap, and good enough for a dashboard). */
export function cpuPercent(): number {
  return Math.min(100, Math.round((100 * loadavg()[0]!) / Math.max(1, cpus().length)));
}

export function availableMemoryMb(): number {
  return Math.round(freemem() / 1048576);
}
