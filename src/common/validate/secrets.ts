/**
 * Check 6: a linked service that runs through a gateway keeps no plaintext secret. The gateway can encrypt it with
 * its own certificate (`dmgw encrypt`), so a password in the file is a mistake worth a warning (not an error:
 * a local test factory may well carry one). Messages name the field, never the value.
 */
import type { Problem } from '../errors.js';
import type { Factory } from '../model/factory.js';
import { gatewayOf } from '../model/gateway.js';
import { findPlaintextSecrets } from '../secrets.js';
import { problemAt } from './problem.js';

export function checkSecrets(f: Factory): Problem[] {
  const out: Problem[] = [];
  for (const ls of f.linkedServices.values()) {
    const gw = gatewayOf(ls);
    if (!gw) continue;
    for (const s of findPlaintextSecrets(ls)) {
      out.push(
        problemAt(ls, 'warning', 'PLAINTEXT_SECRET', s.path, `plaintext secret (${s.name}) in a linked service that runs through gateway "${gw.name}"`, `run "dmgw encrypt ${ls.file}" to replace it with an EncryptedCredential only that gateway can read`),
      );
    }
  }
  return out;
}
