/**
 * The stored procedure activity (`SqlServerStoredProcedure`): the activity's own `linkedServiceName` (its
 * parameters and expressions resolved, its EncryptedCredential decrypted in memory), `storedProcedureName` and
 * `storedProcedureParameters: { name: { value, type } }`. ADF runs it on SQL stores; the gateway runs the same
 * shape on SQL Server, PostgreSQL and MySQL/MariaDB (src/agent/procedures). A procedure that fails fails the
 * activity with the server's message (redacted where the run's events are written). Output: `executionDuration`
 * (seconds) and, where the store says, `rowsAffected`.
 */
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import { procedureParameters } from '../procedures/procedure.js';
import { procedureRunnerFor } from '../procedures/registry.js';
import { linkedServiceOf } from './datasets.js';
import type { AgentRequest } from './executor.js';


export async function runStoredProcedureActivity(req: AgentRequest): Promise<ActivityRunOutput> {
  const a = req.activity;
  const field = `activities.${a.name}`;
  const name = req.typeProperties.storedProcedureName;
  if (typeof name !== 'string' || !name.trim()) throw new DmgwError('PROCEDURE_NAME', `activity ${a.name} names no stored procedure`, { field: `${field}.typeProperties.storedProcedureName` }, 'set "storedProcedureName": "schema.procedure"');
  const parameters = procedureParameters(req.typeProperties.storedProcedureParameters, `${field}.typeProperties.storedProcedureParameters`);
  const ls = await linkedServiceOf(a.linkedServiceName, req.agent.factory, req.scope, req.agent.home, `${field}.linkedServiceName`, `stored procedure activity ${a.name}`);
  const runner = procedureRunnerFor(ls);
  const t0 = Date.now();
  try {
    const outcome = await runner.run(name.trim(), parameters, req.signal);
    req.log('info', `stored procedure ${name} ran in ${Date.now() - t0} ms${outcome.rows !== undefined ? `: ${outcome.rows} row(s)` : ''}`);
    return { executionDuration: Math.round((Date.now() - t0) / 100) / 10, ...(outcome.rows !== undefined ? { rowsAffected: outcome.rows } : {}) };
  } catch (e) {
    if (e instanceof DmgwError || req.signal.aborted) throw e;
    throw new DmgwError('PROCEDURE_FAILED', `stored procedure ${name} failed on ${ls.name}: ${(e as Error).message}`, { field: `${field}.typeProperties.storedProcedureName` }, 'the message is the server\'s: fix the procedure or the values passed to it');
  } finally {
    await runner.close().catch(() => undefined);
  }
}
