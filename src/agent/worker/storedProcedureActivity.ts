/**
 * The stored procedure activity (`SqlServerStoredProcedure`): the activity's own `linkedServiceName` (its
 * parameters and expressions resolved, its EncryptedCredential decrypted in memory), `storedProcedureName` and
 * `storedProcedureParameters: { name: { value, type } }`. ADF runs it on SQL stores; the gateway runs the same
 * shape on SQL Server, PostgreSQL and MySQL/MariaDB (src/agent/procedures). A procedure that fails fails the
 * activity with the server's message (redacted where the run's events are written).
 */
import { DmgwError } from '../../common/errors.js';
import { nameKey, type Factory } from '../../common/model/factory.js';
import type { Activity, LinkedService } from '../../common/model/types.js';
import { decryptLinkedService } from '../credentials/decrypt.js';
import { procedureParameters } from '../procedures/procedure.js';
import { procedureRunnerFor } from '../procedures/registry.js';
import { resolveExpressions, type ExpressionScope } from './expressions.js';

export const STORED_PROCEDURE_ACTIVITY = 'SqlServerStoredProcedure';

export interface StoredProcedureRequest {
  activity: Activity;
  /** the activity's typeProperties, expressions evaluated */
  typeProperties: Record<string, unknown>;
  factory: Factory;
  scope: ExpressionScope;
  /** gateway home, for decrypting EncryptedCredential */
  home?: string;
  signal: AbortSignal;
  log(level: 'error' | 'warn' | 'info' | 'verbose', message: string): void;
}

export async function runStoredProcedureActivity(req: StoredProcedureRequest): Promise<undefined> {
  const a = req.activity;
  const field = `activities.${a.name}`;
  const name = req.typeProperties.storedProcedureName;
  if (typeof name !== 'string' || !name.trim()) throw new DmgwError('PROCEDURE_NAME', `activity ${a.name} names no stored procedure`, { field: `${field}.typeProperties.storedProcedureName` }, 'set "storedProcedureName": "schema.procedure"');
  const parameters = procedureParameters(req.typeProperties.storedProcedureParameters, `${field}.typeProperties.storedProcedureParameters`);
  const ls = await linkedServiceOf(a, req);
  const runner = procedureRunnerFor(ls);
  const t0 = Date.now();
  try {
    const outcome = await runner.run(name.trim(), parameters, req.signal);
    req.log('info', `stored procedure ${name} ran in ${Date.now() - t0} ms${outcome.rows !== undefined ? `: ${outcome.rows} row(s)` : ''}`);
  } catch (e) {
    if (e instanceof DmgwError || req.signal.aborted) throw e;
    throw new DmgwError('PROCEDURE_FAILED', `stored procedure ${name} failed on ${ls.name}: ${(e as Error).message}`, { field: `${field}.typeProperties.storedProcedureName` }, 'the message is the server\'s: fix the procedure or the values passed to it');
  } finally {
    await runner.close().catch(() => undefined);
  }
  return undefined;
}

async function linkedServiceOf(a: Activity, req: StoredProcedureRequest): Promise<LinkedService> {
  const ref = a.linkedServiceName;
  if (!ref?.referenceName) throw new DmgwError('LINKED_SERVICE_MISSING', `stored procedure activity ${a.name} has no linkedServiceName`, { field: `activities.${a.name}.linkedServiceName` }, 'add "linkedServiceName": { "referenceName": "...", "type": "LinkedServiceReference" }');
  const ls = req.factory.linkedServices.get(nameKey(ref.referenceName));
  if (!ls) throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `linked service "${ref.referenceName}" of activity ${a.name} is not in the factory`, { field: `activities.${a.name}.linkedServiceName` }, 'add linkedService/<name>.json or fix the reference');
  const params: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(ls.properties.parameters ?? {})) if (s.defaultValue !== undefined) params[k] = s.defaultValue;
  for (const [k, v] of Object.entries((ref.parameters ?? {}) as Record<string, unknown>)) params[k] = resolveExpressions(v, req.scope);
  const typeProperties = resolveExpressions(ls.properties.typeProperties ?? {}, { ...req.scope, linkedService: params }) as LinkedService['properties']['typeProperties'];
  return decryptLinkedService({ ...ls, properties: { ...ls.properties, typeProperties } }, { home: req.home });
}
