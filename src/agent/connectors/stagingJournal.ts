/**
 * The worker's side of the staging journal (common/staging.ts): connectors say what they stage and when it is gone;
 * the lines go to the host on fd STAGING_FD when the host opened it (`dmgw worker`), nowhere otherwise (`dmgw run`
 * cleans up after itself or leaves it to the next run, docs/ARCHITECTURE.md "Leftovers of a killed worker").
 * Written synchronously: a line must be in the pipe before the thing it announces exists, whatever kills the worker.
 */
import { fstatSync, writeSync } from 'node:fs';
import type { NamedResource } from '../../common/gateway/protocol.js';
import type { LinkedService } from '../../common/model/types.js';
import type { StagedThing, StagingLine } from '../../common/staging.js';

let fd: number | undefined;
let next = 0;
/** decrypted linked service → the job's form of it (credentials encrypted), which is what the host may hold */
const sources = new WeakMap<LinkedService, NamedResource>();

/** Journals to fd `f` when it is the host's pipe (a socket: how Node hands a child a pipe); anything else is not ours. */
export function journalTo(f: number): void {
  try {
    if (Number.isInteger(f) && fstatSync(f).isSocket()) fd = f;
  } catch {
    // not open: no host listens
  }
}

/** `decrypted` was opened from `resolved` (the job's linked service, parameters resolved). */
export function rememberSource(decrypted: LinkedService, resolved: LinkedService): void {
  sources.set(decrypted, { name: resolved.name, properties: resolved.properties as unknown as Record<string, unknown> });
}

/** Announces `thing` (call before it exists); the returned function says it is gone (committed or removed). */
export function staged(ls: LinkedService, thing: StagedThing): () => void {
  const source = sources.get(ls);
  if (fd === undefined || !source) return () => undefined;
  const id = ++next;
  write({ op: 'staged', id, linkedService: source, thing });
  let gone = false;
  return () => {
    if (gone) return;
    gone = true;
    write({ op: 'gone', id });
  };
}

function write(line: StagingLine): void {
  try {
    writeSync(fd!, `${JSON.stringify(line)}\n`);
  } catch {
    // the host is gone: there is no one left to tell
  }
}
