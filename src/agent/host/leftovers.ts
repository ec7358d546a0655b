/**
 * What a job's worker has staged and not yet committed or removed, as its staging journal says (common/staging.ts),
 * and the cleanup after a worker that could not do it itself — killed (a cancel it did not obey in time, a lost
 * lease, a revoked node, a stall) or crashed: a `dmgw worker --cleanup -` process gets the items on stdin, opens each
 * linked service as a worker does (the node's keys, the credential's binding) and removes what the journal named.
 * Resume parts wait until the job has ended for good (jobRun.ts). The host itself never opens a credential. Bounded
 * in time: what it cannot remove is left to the next run into the same target (docs/ARCHITECTURE.md, "Leftovers of a
 * killed worker").
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../../common/log.js';
import { describeThing, keptForResume, type CleanupRequest, type CleanupResult, type StagingLine } from '../../common/staging.js';
import type { GatewayHome } from '../config/home.js';

/** short enough for `dmgw stop` (30 s) to see the host go; a statement of the dead worker may hold a stage ~20 s */
const CLEANUP_MS = 25_000;

export class StagedLeftovers {
  private readonly items = new Map<number, CleanupRequest['items'][number]>();

  /** Follows the worker's journal (its fd STAGING_FD). */
  watch(journal: Readable | null | undefined): void {
    if (!journal) return;
    createInterface({ input: journal }).on('line', (text) => {
      let line: StagingLine;
      try {
        line = JSON.parse(text) as StagingLine;
      } catch {
        return;
      }
      if (line.op === 'staged' && line.thing && line.linkedService) this.items.set(line.id, { linkedService: line.linkedService, thing: line.thing });
      else if (line.op === 'gone') this.items.delete(line.id);
    });
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * Removes the items still staged through a cleanup process; logs what it removed and what it could not. `kept`:
   * the resume parts, kept for the job's next attempt (common/staging.ts) — only once the job has ended for good.
   */
  async cleanUp(o: { jobId: string; workerCommand: string[]; env: NodeJS.ProcessEnv; home: GatewayHome; log: Logger }, kept = false): Promise<void> {
    const chosen = [...this.items].filter(([, i]) => keptForResume(i.thing) === kept);
    const items = chosen.map(([, i]) => i);
    if (!items.length) return;
    const { log } = o;
    log.info(`job ${o.jobId}: its worker left ${items.length} thing(s) staged (${items.map((i) => describeThing(i.thing)).join(', ')}); removing them`);
    const [cmd, ...pre] = o.workerCommand;
    const child = spawn(cmd!, [...pre, 'worker', '--cleanup', '-'], { env: { ...o.env, DMGW_HOME: o.home.root }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin!.on('error', () => undefined);
    // like a job: through a pipe, never a file
    child.stdin!.end(JSON.stringify({ items } satisfies CleanupRequest));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let r: CleanupResult;
      try {
        r = JSON.parse(text) as CleanupResult;
      } catch {
        return log.info(`cleanup ${child.pid}: ${text}`);
      }
      if ('removed' in r) log.info(`job ${o.jobId}: removed ${r.removed}`);
      else if ('failed' in r) log.warn(`job ${o.jobId}: could not remove ${r.failed} (${r.error}); the next run into that target removes it`);
    });
    createInterface({ input: child.stderr! }).on('line', (text) => log.info(`cleanup ${child.pid}: ${text}`));
    const timer = setTimeout(() => {
      log.warn(`job ${o.jobId}: the cleanup took longer than ${CLEANUP_MS / 1000} s; stopping it — what is left is removed by the next run into that target`);
      child.kill('SIGKILL');
    }, CLEANUP_MS);
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', (e) => {
        log.warn(`job ${o.jobId}: the cleanup could not start: ${e.message}`);
        resolve();
      });
    });
    clearTimeout(timer);
    for (const [id] of chosen) this.items.delete(id);
  }
}
