/**
 * Testing one linked service from this machine as the gateway would: its EncryptedCredential decrypted with this
 * gateway's certificate (and checked against the server it is bound to), its parameters at their defaults, then the
 * connector's smallest real operation. Never throws: the report says what happened. `dmgw test-connection` and
 * `dmgw diagnose --factory` use it.
 */
import { formatError, isDmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { redact } from '../../common/redact.js';
import { withParameterDefaults } from '../../common/stores/storeTarget.js';
import { GatewayHome } from '../config/home.js';
import { decryptLinkedService } from '../credentials/decrypt.js';
import { connectorFor } from './registry.js';

export interface TestConnectionReport {
  linkedService: string;
  type: string;
  ok: boolean;
  /** the error code when it could not connect because of a DmgwError (CREDENTIAL_TARGET_MISMATCH, ...) */
  code?: string;
  message: string;
  durationMs: number;
}

export async function testLinkedService(ls: LinkedService, o: { home?: string; env: NodeJS.ProcessEnv; seconds: number }): Promise<TestConnectionReport> {
  const started = Date.now();
  try {
    // parameters at their defaults, as a run that passes none (and as its credential was bound)
    const connector = connectorFor(await decryptLinkedService(withParameterDefaults(ls), { home: o.home, env: o.env }), { home: GatewayHome.resolve({ home: o.home, env: o.env }) });
    try {
      await connector.test(AbortSignal.timeout(o.seconds * 1000));
    } finally {
      await connector.close().catch(() => {});
    }
    return { linkedService: ls.name, type: String(ls.properties.type), ok: true, message: `connected to ${ls.name} (${ls.properties.type})`, durationMs: Date.now() - started };
  } catch (e) {
    const why = isDmgwError(e) ? formatError(e) : e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${o.seconds} s` : (e as Error).message || String(e);
    const hint = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(why) ? ' — is the server running, and reachable from this machine (host, port, firewall, proxy)?' : '';
    return { linkedService: ls.name, type: String(ls.properties.type), ok: false, ...(isDmgwError(e) ? { code: e.code } : {}), message: redact(`could not connect to ${ls.name} (${ls.properties.type}): ${why}${hint}`), durationMs: Date.now() - started };
  }
}
