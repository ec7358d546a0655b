/**
 * `dmgw worker --cleanup -`: removes what a killed worker left staged (common/staging.ts), for its host. Each item's
 * linked service is opened as the job's worker opened it — decrypted with the node's keys, its credential's binding
 * checked, files only inside the folders the node allows — and its connector removes the one thing the journal
 * named, nothing else. One result line per item.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { redactError } from '../../common/redact.js';
import type { LinkedService } from '../../common/model/types.js';
import { describeThing, type CleanupRequest, type CleanupResult } from '../../common/staging.js';
import { GatewayHome } from '../config/home.js';
import type { Connector } from '../connectors/connector.js';
import { connectorFor } from '../connectors/registry.js';
import { decryptLinkedService } from '../credentials/decrypt.js';

/** the file name of a resume journal (copy/resume.ts): nothing else in the home is removed */
const RESUME_JOURNAL = /^[0-9a-f]{32}\.json$/;

/** True when every item was removed or was already gone. */
export async function removeLeftovers(req: CleanupRequest, home: string | undefined, out: (r: CleanupResult) => void): Promise<boolean> {
  let ok = true;
  for (const { linkedService, thing } of req.items ?? []) {
    const what = describeThing(thing);
    let conn: Connector | undefined;
    try {
      const ls: LinkedService = { kind: 'linkedService', name: linkedService.name, properties: linkedService.properties as unknown as LinkedService['properties'], file: `linkedService/${linkedService.name}.json` };
      conn = connectorFor(await decryptLinkedService(ls, { home }), { home: GatewayHome.resolve({ home }) });
      const removed = await conn.removeLeftover?.(thing);
      // a part of a job that ended for good: its copy's resume journal (copy/resume.ts) is of no use either
      if (thing.kind === 'resume-part' && RESUME_JOURNAL.test(thing.journal)) rmSync(join(GatewayHome.resolve({ home }).root, 'resume', thing.journal), { force: true });
      out(removed ? { removed } : { nothing: what });
    } catch (e) {
      ok = false;
      out({ failed: what, error: redactError(e) });
    } finally {
      await conn?.close().catch(() => undefined);
    }
  }
  return ok;
}
